"""Serializers that describe the API's rows for the OpenAPI schema, made from the same
column definitions as the open data files (`opendata.datasets.columns`). The views return the
rows as they are (plain values from `opendata.selectors`)."""

from __future__ import annotations

from rest_framework import serializers

from opendata import datasets

FIELD_TYPES = {
    "string": lambda c: serializers.CharField(help_text=str(c.title), allow_blank=True),
    "integer": lambda c: serializers.IntegerField(help_text=str(c.title), allow_null=True),
    "number": lambda c: serializers.FloatField(help_text=str(c.title), allow_null=True),
    "boolean": lambda c: serializers.BooleanField(help_text=str(c.title)),
}


def row_serializer(table: str, name: str) -> type[serializers.Serializer]:
    fields = {c.name: FIELD_TYPES[c.type](c) for c in datasets.columns(table, None)}
    if table == "rollups":
        fields["grade_counts"] = serializers.DictField(
            child=serializers.IntegerField(), help_text="評価記号ごとの施策数"
        )
    return type(name, (serializers.Serializer,), fields)


MeasureSerializer = row_serializer("measures", "Measure")
IndicatorSerializer = row_serializer("indicators", "Indicator")
IndicatorYearSerializer = row_serializer("actuals", "IndicatorYear")
TargetSerializer = row_serializer("targets", "Target")
ScheduleSerializer = row_serializer("schedule", "ScheduleProgress")
RollupSerializer = row_serializer("rollups", "Rollup")


class YearSerializer(serializers.Serializer):
    fiscal_year = serializers.IntegerField()
    label = serializers.CharField(help_text="令和3年度 (2021)")
    published_at = serializers.DateTimeField()
    plan = RollupSerializer(help_text="計画全体の集計")


class PlanSerializer(serializers.Serializer):
    lg_code = serializers.CharField()
    plan_code = serializers.CharField()
    name = serializers.CharField()
    first_fiscal_year = serializers.IntegerField()
    last_fiscal_year = serializers.IntegerField()
    published_years = serializers.ListField(child=serializers.IntegerField())
    last_published = serializers.DateTimeField(allow_null=True)
    license = serializers.CharField()


class MeasureDetailSerializer(serializers.Serializer):
    measure_code = serializers.CharField()
    measure_name = serializers.CharField()
    summary = serializers.CharField()
    goal = serializers.CharField()
    years = MeasureSerializer(many=True)
    indicators = IndicatorSerializer(many=True)
    indicator_years = IndicatorYearSerializer(many=True)
    schedule = ScheduleSerializer(many=True)
