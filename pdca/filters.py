"""Filters for the measure list (django-filter); every choice comes from the plan data.

A plan's tree can be large: a synthetic plan of 10,000 measures has 833 sub-pillars and
2,500 fields, too many to read in a select, and slow to render. So the sub-pillar and field
selects narrow down the tree. Each lists the children of the pillar or sub-pillar chosen (or
implied by a deeper choice, as when the plan tree links to one field); with nothing to narrow
by, the plan's whole level while it has at most CHOICE_LIMIT entries (the real plan has 7
sub-pillars and 21 fields: all shown), otherwise only what is chosen and a hint to choose the
level above. A chosen value stays in its select, and values are always validated against the
whole plan, whatever the select offers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import django_filters
from django import forms
from django.db.models import Exists, Model, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from core.fiscal_year import full_label
from indicators.basis import Basis
from indicators.models import GroupResult
from measures.models import Bureau, Field, Measure, MeasureSection, Pillar, Plan, PlanYear, SubPillar
from pdca.desk import OWED_FILTER, with_report_status
from pdca.models import SubmissionStatus

# Above this many sub-pillars or fields to offer, a select waits for the level above.
CHOICE_LIMIT = 100


class PlainSelect(forms.Select):
    """Django's select, its options written by one loop in its template
    (`templates/pdca/widgets/plain_select.html`) rather than a template included per option:
    a large plan offers hundreds of bureaus. Flat choices only, no option groups."""

    template_name = "pdca/widgets/plain_select.html"


class MeasureFilter(django_filters.FilterSet):
    """The measure list's filters over one plan; see the module docstring for the choices."""

    pillar = django_filters.ModelChoiceFilter(
        field_name="field__subpillar__pillar",
        queryset=Pillar.objects.none(),
        label=_("柱"),
        empty_label=_("すべて"),
        widget=PlainSelect,
    )
    subpillar = django_filters.ModelChoiceFilter(
        field_name="field__subpillar",
        queryset=SubPillar.objects.none(),
        label=_("中柱"),
        empty_label=_("すべて"),
        widget=PlainSelect,
    )
    field = django_filters.ModelChoiceFilter(
        queryset=Field.objects.none(), label=_("分野"), empty_label=_("すべて"), widget=PlainSelect
    )
    bureau = django_filters.ModelChoiceFilter(
        method="filter_bureau",
        queryset=Bureau.objects.none(),
        label=_("所管局"),
        empty_label=_("すべて"),
        widget=PlainSelect,
    )
    target_fiscal_year = django_filters.ChoiceFilter(
        choices=(), label=_("達成年度"), empty_label=_("すべて"), widget=PlainSelect
    )
    report_status = django_filters.ChoiceFilter(
        method="filter_report_status",
        choices=[*SubmissionStatus.choices, (OWED_FILTER, _("未提出（未入力・入力中・差戻し）"))],
        label=_("報告の状態（評価の年度）"),
        empty_label=_("すべて"),
        widget=PlainSelect,
    )
    q = django_filters.CharFilter(method="search", label=_("キーワード"))

    class Meta:
        model = Measure
        fields = ["pillar", "subpillar", "field", "bureau", "target_fiscal_year", "report_status", "q"]

    def __init__(
        self, *args, plan: Plan, pillars: list[Pillar] | None = None, plan_year: PlanYear | None = None, **kwargs
    ):
        """`pillars`: the plan's pillars in order, when the page has read them already;
        `plan_year`: the year whose report status `report_status` filters on."""
        super().__init__(*args, **kwargs)
        self.plan = plan
        self.plan_year = plan_year
        self.pillars = pillars
        # What a value is validated against: one row looked up by primary key, whatever the
        # plan's size (for a bureau, a probe of its own sections' measures). Built only for a
        # value given: an empty select validates without its queryset, and building them all
        # cost about a millisecond on every dashboard and list request.
        if self._given("pillar"):
            self.filters["pillar"].queryset = plan.pillars.all()
        if self._given("subpillar"):
            self.filters["subpillar"].queryset = SubPillar.objects.filter(pillar__plan=plan)
        if self._given("field"):
            fields = Field.objects.filter(subpillar__pillar__plan=plan).select_related("subpillar")
            self.filters["field"].queryset = fields
        if self._given("bureau"):
            owns_a_measure = MeasureSection.objects.filter(section__bureau=OuterRef("pk"), measure__plan=plan)
            self.filters["bureau"].queryset = Bureau.objects.filter(Exists(owns_a_measure))

    def _given(self, name: str) -> bool:
        """Whether the request gives a value for the filter `name` (one this filter set has)."""
        key = f"{self.form_prefix}-{name}" if self.form_prefix else name
        return name in self.filters and bool(self.data.get(key))

    @property
    def form(self) -> forms.Form:
        if not hasattr(self, "_form"):
            if "target_fiscal_year" in self.filters:
                # Read here rather than in __init__, so that a subclass without this filter
                # (RiskFilter) does not pay for it.
                years = (
                    self.plan.measures.values_list("target_fiscal_year", flat=True)
                    .distinct()
                    .order_by("target_fiscal_year")
                )
                self.filters["target_fiscal_year"].extra["choices"] = [(y, full_label(y)) for y in years]
            self._offer_choices(super().form)
        return self._form

    def _offer_choices(self, form: forms.Form) -> None:
        """Set what each select offers, from what was validly chosen: one query a select."""
        form.is_valid()
        chosen = getattr(form, "cleaned_data", {})
        pillar, subpillar, field = chosen.get("pillar"), chosen.get("subpillar"), chosen.get("field")
        subpillar_id = subpillar.pk if subpillar else field.subpillar_id if field else None
        pillar_id = (
            pillar.pk if pillar else subpillar.pillar_id if subpillar else field.subpillar.pillar_id if field else None
        )
        if "pillar" in form.fields:
            if self.pillars is None:
                self.pillars = list(self.plan.pillars.order_by("order"))
            _offer(form, "pillar", ((p.pk, f"{p.code} {p.name}") for p in self.pillars), pillar)
        if "subpillar" in form.fields:
            subpillars = SubPillar.objects.order_by().values_list("pk", "code", "name", "pillar__order", "order")
            if pillar_id:
                rows = list(subpillars.filter(pillar_id=pillar_id))
            else:
                rows = _up_to_limit(subpillars.filter(pillar__plan=self.plan))
            hint = _("柱を選ぶと中柱を選べます。") if rows is None else None
            _offer(form, "subpillar", _tree_labels(rows), subpillar, hint=hint)
        if "field" in form.fields:
            tree_fields = Field.objects.order_by().values_list(
                "pk", "code", "name", "subpillar__pillar__order", "subpillar__order", "order"
            )
            if subpillar_id:
                rows = list(tree_fields.filter(subpillar_id=subpillar_id))
            else:
                narrowed = {"subpillar__pillar_id": pillar_id} if pillar_id else {"subpillar__pillar__plan": self.plan}
                rows = _up_to_limit(tree_fields.filter(**narrowed))
            hint = _("中柱を選ぶと分野を選べます。") if rows is None else None
            _offer(form, "field", _tree_labels(rows), field, hint=hint)
        if "bureau" in form.fields:
            # The bureaus that own the plan's measures are those with a stored roll-up (one row a
            # bureau and year), read in name order along the roll-ups' index: this does not
            # grow with the measures, as a walk over the plan's measure sections would (about
            # 7 ms for 10,000 measures), nor sort the bureaus.
            owners = GroupResult.objects.filter(
                plan_year__plan=self.plan,
                plan_year__fiscal_year=self.plan.first_fiscal_year,
                level="bureau",
                basis=Basis.ENTERED,
            )
            # sort_bureau is the bureau's name, kept current by the roll-ups' rebuilds.
            bureaus = owners.order_by("sort_bureau").values_list("bureau_id", "sort_bureau")
            _offer(form, "bureau", bureaus, chosen.get("bureau"))

    def filter_bureau(self, queryset, name, value):
        """Measures with a section in the bureau, as a semi-join on the bureau's measure ids,
        so a measure shared by two of its sections is counted once without DISTINCT."""
        return queryset.filter(pk__in=MeasureSection.objects.filter(section__bureau=value).values("measure_id"))

    def filter_report_status(self, queryset, name, value):
        if self.plan_year is None:
            return queryset
        return with_report_status(queryset, self.plan_year, value)

    def search(self, queryset, name, value):
        code = code_query(value)
        if code is not None:
            # `I-②-ア-01` is that measure, not also `II-②-ア-01`; `I-②-ア` is the field's measures.
            return queryset.filter(Q(code__iexact=code) | Q(code__istartswith=f"{code}-"))
        return queryset.filter(Q(code__icontains=value) | Q(name__icontains=value) | Q(summary__icontains=value))


# Dashes and roman numerals as people type them in a code; the plan stores ASCII ones.
_CODE_FOLDING = str.maketrans({"－": "-", "‐": "-", "−": "-", "–": "-", "—": "-", "Ⅰ": "I", "Ⅱ": "II", "Ⅲ": "III"})
# A code is words joined by dashes, with no space: `I-②-ア-01`, `II-④`.
_CODE_SHAPE = re.compile(r"^[^\s-]+(?:-[^\s-]+)+$")


def code_query(value: str) -> str | None:
    """The code a keyword spells, if it looks like one, else None."""
    folded = value.strip().translate(_CODE_FOLDING)
    return folded if _CODE_SHAPE.match(folded) else None


def _up_to_limit(rows) -> list[tuple] | None:
    """The rows if there are at most CHOICE_LIMIT of them, else None (one bounded query)."""
    found = list(rows[: CHOICE_LIMIT + 1])
    return None if len(found) > CHOICE_LIMIT else found


def _tree_labels(rows: list[tuple] | None) -> list[tuple[int, str]]:
    """(pk, "code name") in tree order; rows are (pk, code, name, *order keys), read unsorted
    so that a query that stops at CHOICE_LIMIT + 1 rows need not sort the whole level."""
    return [(pk, f"{code} {name}") for pk, code, name, *_order in sorted(rows or [], key=lambda row: row[3:])]


def _offer(
    form: forms.Form, name: str, options: Iterable[tuple[int, str]], chosen: Model | None, *, hint: str | None = None
) -> None:
    """Make a select offer "all", the options, and the chosen value even when it is not among
    them (so that the form shows back what was asked for); with a hint when options are held back."""
    offered = list(options)
    if chosen is not None and chosen.pk not in {pk for pk, _label in offered}:
        offered.insert(0, (chosen.pk, str(chosen)))
    form_field = form.fields[name]
    form_field.widget.choices = [("", form_field.empty_label), *offered]
    if hint:
        # The bound field copied the help text when validation created it.
        form_field.help_text = form[name].help_text = hint


class RiskFilter(MeasureFilter):
    """The dashboard's at-risk list: by pillar and bureau."""

    class Meta:
        model = Measure
        fields = ["pillar", "bureau"]


# Only the two filters it shows: declared filters are inherited whatever Meta.fields says,
# and every request deep-copies (and MeasureFilter fills in) each one it has.
RiskFilter.base_filters = {name: RiskFilter.base_filters[name] for name in ("pillar", "bureau")}
