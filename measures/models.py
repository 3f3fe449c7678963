"""The plan as data: plan, pillars, sub-pillars, fields, departments, measures, schedule."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import models
from django.db.models import F, Q, Value
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from core import fiscal_year
from core.cache import cached


@dataclass(frozen=True)
class PlanSettings:
    """A plan's small settings rows, which nearly every page needs: its years, grade bands
    and judgements, as plain values."""

    years: tuple[tuple[int, int, bool], ...]  # (id, fiscal year, open for entry), in year order
    bands: tuple[tuple[str, str, Decimal], ...]  # (code, label, lowest rate), best first
    judgements: tuple[tuple[str, Decimal], ...]  # (label, lowest share), best first


DEFAULT_PLAUSIBILITY_FACTOR = Decimal(3)


class Plan(models.Model):
    code = models.SlugField(_("計画コード"), max_length=50, unique=True)
    name = models.CharField(_("計画名"), max_length=200)
    first_fiscal_year = models.PositiveSmallIntegerField(_("計画期間（開始年度）"))
    last_fiscal_year = models.PositiveSmallIntegerField(_("計画期間（終了年度）"))
    rollup_cap = models.DecimalField(_("集計時の達成率上限"), max_digits=6, decimal_places=4, default=Decimal("1"))
    milestone_achieved_rate = models.DecimalField(
        _("達成の達成率"), max_digits=6, decimal_places=4, default=Decimal("1")
    )
    milestone_partial_rate = models.DecimalField(
        _("一部達成の達成率"), max_digits=6, decimal_places=4, default=Decimal("0.5")
    )
    milestone_not_achieved_rate = models.DecimalField(
        _("未達成の達成率"), max_digits=6, decimal_places=4, default=Decimal("0")
    )
    # A value more than this many times its target, or less than its inverse, is questioned
    # before it is saved (indicators.plausibility): plan data, like the grade bands. Blank is
    # the default of 3 (`plausibility_ratio`).
    plausibility_factor = models.DecimalField(
        _("目標値との差を確認する倍率"),
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("実績が目標値のこの倍数を超えるか、この分の1を下回るときに確認を求めます。空欄は3倍。"),
    )

    class Meta:
        verbose_name = _("計画")
        verbose_name_plural = _("計画")
        ordering = ["-first_fiscal_year", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(first_fiscal_year__lte=F("last_fiscal_year")),
                name="plan_period_ordered",
            ),
            models.CheckConstraint(condition=Q(rollup_cap__gt=0), name="plan_rollup_cap_positive"),
        ]

    def __str__(self) -> str:
        return self.name

    @cached_property
    def settings(self) -> PlanSettings:
        """The plan's years, bands and judgements: read once per instance (a request reads its
        plan once), from the cache when the plan carries its data version
        (`measures.selectors.plan_current`, `core.cache.with_data_version`)."""
        return cached(("plan-settings", self.pk), getattr(self, "data_version", None), self._settings_read)

    def _settings_read(self) -> PlanSettings:
        years = tuple(self.years.order_by("fiscal_year").values_list("pk", "fiscal_year", "is_open"))
        # Bands and judgements in one round trip.
        columns = ("kind", "name", "label", "bound", "order")
        bands = (
            GradeBand.objects.filter(plan=self)
            .order_by()
            .annotate(kind=Value("band"), name=F("code"), bound=F("min_rate"))
        )
        judgements = (
            ProgressJudgement.objects.filter(plan=self)
            .order_by()
            .annotate(kind=Value("judgement"), name=F("label"), bound=F("min_share"))
        )
        rows = sorted(
            bands.values_list(*columns).union(judgements.values_list(*columns), all=True),
            key=lambda row: (row[0], row[4]),
        )
        return PlanSettings(
            years=years,
            bands=tuple((code, label, Decimal(bound)) for kind, code, label, bound, _order in rows if kind == "band"),
            judgements=tuple(
                (label, Decimal(bound)) for kind, _name, label, bound, _order in rows if kind == "judgement"
            ),
        )

    @property
    def plausibility_ratio(self) -> Decimal:
        return self.plausibility_factor if self.plausibility_factor is not None else DEFAULT_PLAUSIBILITY_FACTOR

    @property
    def fiscal_years(self) -> list[int]:
        return list(range(self.first_fiscal_year, self.last_fiscal_year + 1))

    @property
    def period_label(self) -> str:
        first, last = fiscal_year.reiwa_label(self.first_fiscal_year), fiscal_year.reiwa_label(self.last_fiscal_year)
        return str(_("%(first)s〜%(last)s") % {"first": first, "last": last})


class PlanYear(models.Model):
    """A fiscal year of a plan's period. Targets, schedules and actuals point here, so the
    database itself keeps every year inside the period."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="years", verbose_name=_("計画"))
    fiscal_year = models.PositiveSmallIntegerField(_("年度"))
    is_open = models.BooleanField(_("入力受付中"), default=True, help_text=_("所属担当者が実績を入力できる年度です。"))

    class Meta:
        verbose_name = _("計画年度")
        verbose_name_plural = _("計画年度")
        ordering = ["plan", "fiscal_year"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "fiscal_year"], name="plan_year_unique"),
        ]

    def __str__(self) -> str:
        return fiscal_year.full_label(self.fiscal_year)

    @property
    def label(self) -> str:
        return fiscal_year.full_label(self.fiscal_year)


class GradeBand(models.Model):
    """One grade of a plan (A 達成 ≥ 100%, ...). Headquarters may change labels and thresholds."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="grade_bands", verbose_name=_("計画"))
    code = models.CharField(_("評価記号"), max_length=8)
    label = models.CharField(_("評価名"), max_length=40)
    min_rate = models.DecimalField(
        _("下限達成率"), max_digits=6, decimal_places=4, help_text=_("1.00 = 100%。この値以上でこの評価になります。")
    )
    order = models.PositiveSmallIntegerField(_("順序"))

    class Meta:
        verbose_name = _("評価区分")
        verbose_name_plural = _("評価区分")
        ordering = ["plan", "order"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "code"], name="grade_band_code_unique"),
            models.CheckConstraint(condition=Q(min_rate__gte=0), name="grade_band_min_rate_non_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.label}"


class Pillar(models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="pillars", verbose_name=_("計画"))
    code = models.CharField(_("柱コード"), max_length=20)
    name = models.CharField(_("柱"), max_length=200)
    order = models.PositiveSmallIntegerField(_("順序"))

    class Meta:
        verbose_name = _("柱")
        verbose_name_plural = _("柱")
        ordering = ["plan", "order"]
        constraints = [models.UniqueConstraint(fields=["plan", "code"], name="pillar_code_unique")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class SubPillar(models.Model):
    pillar = models.ForeignKey(Pillar, on_delete=models.CASCADE, related_name="subpillars", verbose_name=_("柱"))
    code = models.CharField(_("中柱コード"), max_length=20)
    name = models.CharField(_("中柱"), max_length=200)
    order = models.PositiveSmallIntegerField(_("順序"))

    class Meta:
        verbose_name = _("中柱")
        verbose_name_plural = _("中柱")
        ordering = ["pillar__order", "order"]
        constraints = [models.UniqueConstraint(fields=["pillar", "code"], name="subpillar_code_unique")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Field(models.Model):
    subpillar = models.ForeignKey(SubPillar, on_delete=models.CASCADE, related_name="fields", verbose_name=_("中柱"))
    code = models.CharField(_("分野コード"), max_length=20)
    name = models.CharField(_("分野"), max_length=200)
    description = models.TextField(_("内容"), blank=True)
    order = models.PositiveSmallIntegerField(_("順序"))

    class Meta:
        verbose_name = _("分野")
        verbose_name_plural = _("分野")
        ordering = ["subpillar__pillar__order", "subpillar__order", "order"]
        constraints = [models.UniqueConstraint(fields=["subpillar", "code"], name="field_code_unique")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Bureau(models.Model):
    name = models.CharField(_("局"), max_length=100, unique=True)

    class Meta:
        verbose_name = _("局")
        verbose_name_plural = _("局")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Section(models.Model):
    bureau = models.ForeignKey(Bureau, on_delete=models.PROTECT, related_name="sections", verbose_name=_("局"))
    name = models.CharField(_("所属"), max_length=100)

    class Meta:
        verbose_name = _("所属")
        verbose_name_plural = _("所属")
        ordering = ["bureau__name", "name"]
        constraints = [models.UniqueConstraint(fields=["bureau", "name"], name="section_name_unique")]

    def __str__(self) -> str:
        return f"{self.bureau.name} {self.name}"


class Measure(models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="measures", verbose_name=_("計画"))
    field = models.ForeignKey(Field, on_delete=models.PROTECT, related_name="measures", verbose_name=_("分野"))
    code = models.CharField(_("施策No"), max_length=30)
    name = models.CharField(_("施策名"), max_length=300)
    summary = models.TextField(_("施策概要"))
    goal = models.TextField(_("施策目標"))
    target_fiscal_year = models.PositiveSmallIntegerField(_("達成年度"))
    target_fiscal_year_text = models.CharField(_("達成年度（原文）"), max_length=100)
    notes = models.JSONField(_("注記（※）"), default=list, blank=True)
    order = models.PositiveIntegerField(_("順序"))
    sections = models.ManyToManyField(
        Section, through="MeasureSection", related_name="measures", verbose_name=_("所管所属")
    )

    class Meta:
        verbose_name = _("施策")
        verbose_name_plural = _("施策")
        # "plan_id", not "plan": ordering by the relation would join the plan (and its own
        # ordering) into every query of measures. The index lets a page of measures in plan
        # order be read without sorting the whole plan.
        ordering = ["plan_id", "order"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "code"], name="measure_code_unique"),
        ]
        indexes = [models.Index(fields=["plan", "order"], name="measure_plan_order")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def target_fiscal_year_label(self) -> str:
        return fiscal_year.full_label(self.target_fiscal_year)


class MeasureSection(models.Model):
    measure = models.ForeignKey(
        Measure, on_delete=models.CASCADE, related_name="measure_sections", verbose_name=_("施策")
    )
    section = models.ForeignKey(
        Section, on_delete=models.PROTECT, related_name="measure_sections", verbose_name=_("所属")
    )
    is_primary = models.BooleanField(_("主所管"), default=False)
    order = models.PositiveSmallIntegerField(_("順序"))

    class Meta:
        verbose_name = _("所管所属")
        verbose_name_plural = _("所管所属")
        ordering = ["measure", "order"]
        constraints = [
            models.UniqueConstraint(fields=["measure", "section"], name="measure_section_unique"),
            models.UniqueConstraint(
                fields=["measure"], condition=Q(is_primary=True), name="measure_one_primary_section"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.measure.code}: {self.section}"


class SubProgramme(models.Model):
    """A card's (1)/(2) part, with its own schedule and indicators."""

    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="subprogrammes", verbose_name=_("施策"))
    number = models.PositiveSmallIntegerField(_("番号"))
    name = models.CharField(_("名称"), max_length=300)

    class Meta:
        verbose_name = _("施策内の取組")
        verbose_name_plural = _("施策内の取組")
        ordering = ["measure", "number"]
        constraints = [models.UniqueConstraint(fields=["measure", "number"], name="subprogramme_number_unique")]

    def __str__(self) -> str:
        return f"({self.number}) {self.name}"


class ScheduleItem(models.Model):
    measure = models.ForeignKey(
        Measure, on_delete=models.CASCADE, related_name="schedule_items", verbose_name=_("施策")
    )
    subprogramme = models.ForeignKey(
        SubProgramme,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="schedule_items",
        verbose_name=_("施策内の取組"),
    )
    name = models.CharField(_("年度ごとの取組"), max_length=300)
    order = models.PositiveSmallIntegerField(_("順序"))
    reading = models.TextField(
        _("読み取りの注記"), blank=True, help_text=_("原資料から期間を判別できなかった場合の解釈。")
    )
    years = models.ManyToManyField(PlanYear, related_name="schedule_items", blank=True, verbose_name=_("実施年度"))

    class Meta:
        verbose_name = _("取組スケジュール")
        verbose_name_plural = _("取組スケジュール")
        ordering = ["measure", "order"]

    def __str__(self) -> str:
        return self.name


class ProgressJudgement(models.Model):
    """Kanagawa's judgement by count: 順調 when every target is met, 概ね順調 at 2/3, ..."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="judgements", verbose_name=_("計画"))
    label = models.CharField(_("判定"), max_length=40)
    min_share = models.DecimalField(
        _("達成した施策の割合の下限"),
        max_digits=6,
        decimal_places=4,
        help_text=_("評価が最上位（達成）の施策の割合がこの値以上でこの判定になります。"),
    )
    order = models.PositiveSmallIntegerField(_("順序"))

    class Meta:
        verbose_name = _("進捗判定区分")
        verbose_name_plural = _("進捗判定区分")
        ordering = ["plan", "order"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "label"], name="judgement_label_unique"),
            models.CheckConstraint(
                condition=Q(min_share__gte=0) & Q(min_share__lte=1), name="judgement_share_in_unit_range"
            ),
        ]

    def __str__(self) -> str:
        return self.label
