"""Outcome indicators, their targets per fiscal year, actuals and the stored achievement."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.models import AuditedModel
from core.texts import TEXT_MAX_LENGTH
from indicators.basis import Basis
from measures.models import Bureau, Field, Measure, Pillar, PlanYear, Section, SubPillar, SubProgramme

# Cell texts that mean "no target that year" on a printed card.
NO_TARGET_TEXTS = frozenset({"", "—", "-", "－", "―", "‐", "−", "※"})


def target_is_set(value: Decimal | None, text: str) -> bool:
    """`Target.is_set` from a target's value and text."""
    return value is not None or text.strip() not in NO_TARGET_TEXTS


class IndicatorKind(models.TextChoices):
    COUNT = "count", _("件数・数量")
    PERCENTAGE = "percentage", _("割合（%）")
    UPPER_LIMIT = "upper_limit", _("上限値（少ないほど良い）")
    MILESTONE = "milestone", _("定性目標（マイルストーン）")


class Direction(models.TextChoices):
    HIGHER = "higher", _("高いほど良い")
    LOWER = "lower", _("低いほど良い")


class MilestoneStatus(models.TextChoices):
    ACHIEVED = "achieved", _("達成")
    PARTIAL = "partial", _("一部達成")
    NOT_ACHIEVED = "not_achieved", _("未達成")


class Indicator(models.Model):
    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="indicators", verbose_name=_("施策"))
    subprogramme = models.ForeignKey(
        SubProgramme,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="indicators",
        verbose_name=_("施策内の取組"),
    )
    name = models.CharField(_("成果指標"), max_length=300)
    order = models.PositiveSmallIntegerField(_("順序"))
    kind = models.CharField(_("種類"), max_length=20, choices=IndicatorKind.choices)
    direction = models.CharField(_("方向"), max_length=10, choices=Direction.choices, default=Direction.HIGHER)
    cumulative = models.BooleanField(_("累計"), default=False)
    unit = models.CharField(_("単位"), max_length=30, blank=True)
    baseline = models.DecimalField(_("基準値"), max_digits=20, decimal_places=4, null=True, blank=True)
    notes = models.JSONField(_("注記（※）"), default=list, blank=True)

    class Meta:
        verbose_name = _("成果指標")
        verbose_name_plural = _("成果指標")
        ordering = ["measure", "order"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="upper_limit") | Q(direction="lower"), name="indicator_upper_limit_is_lower"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.measure.code} {self.name}"

    @property
    def is_milestone(self) -> bool:
        return self.kind == IndicatorKind.MILESTONE


class Target(models.Model):
    indicator = models.ForeignKey(
        Indicator, on_delete=models.CASCADE, related_name="targets", verbose_name=_("成果指標")
    )
    plan_year = models.ForeignKey(PlanYear, on_delete=models.PROTECT, related_name="targets", verbose_name=_("年度"))
    text = models.CharField(_("目標（原文）"), max_length=300, blank=True)
    value = models.DecimalField(_("目標値"), max_digits=20, decimal_places=4, null=True, blank=True)
    # The printed target, kept when headquarters first revises it (目標値の見直し): `text` and
    # `value` are then the target in force, which every rate uses (indicators.services.target_revise).
    is_revised = models.BooleanField(_("見直し済"), default=False)
    original_text = models.CharField(_("当初の目標（原文）"), max_length=300, blank=True)
    original_value = models.DecimalField(_("当初の目標値"), max_digits=20, decimal_places=4, null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("目標")
        verbose_name_plural = _("目標")
        constraints = [
            models.UniqueConstraint(fields=["indicator", "plan_year"], name="target_one_per_year"),
        ]

    def __str__(self) -> str:
        return f"{self.indicator} {self.plan_year}: {self.text}"

    @property
    def is_set(self) -> bool:
        """False for a printed "no target that year" cell (—, -, ※, blank)."""
        return target_is_set(self.value, self.text)


class TargetRevision(models.Model):
    """One revision of a year's target (目標値の見直し): from what, to what, why, from when,
    by whom. The target row holds the target in force and the original."""

    target = models.ForeignKey(Target, on_delete=models.CASCADE, related_name="revisions", verbose_name=_("目標"))
    previous_text = models.CharField(_("見直し前の目標（原文）"), max_length=300, blank=True)
    previous_value = models.DecimalField(_("見直し前の目標値"), max_digits=20, decimal_places=4, null=True, blank=True)
    text = models.CharField(_("見直し後の目標（原文）"), max_length=300, blank=True)
    value = models.DecimalField(_("見直し後の目標値"), max_digits=20, decimal_places=4, null=True, blank=True)
    reason = models.TextField(_("見直しの理由"), max_length=TEXT_MAX_LENGTH)
    effective_date = models.DateField(_("適用日"))
    revised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("見直した人"),
    )
    # A default rather than auto_now_add, so that a plan file reload keeps the original moment.
    revised_at = models.DateTimeField(_("登録日時"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("目標値の見直し")
        verbose_name_plural = _("目標値の見直し")
        ordering = ["target", "effective_date", "pk"]
        constraints = [models.CheckConstraint(condition=~Q(reason=""), name="target_revision_has_reason")]

    def __str__(self) -> str:
        return f"{self.target}: {self.previous_text} → {self.text}"


class Actual(AuditedModel):
    """What a department reports for an indicator and year, with its achievement stored
    when written (see indicators.services)."""

    indicator = models.ForeignKey(
        Indicator, on_delete=models.PROTECT, related_name="actuals", verbose_name=_("成果指標")
    )
    plan_year = models.ForeignKey(PlanYear, on_delete=models.PROTECT, related_name="actuals", verbose_name=_("年度"))
    value = models.DecimalField(_("実績値"), max_digits=20, decimal_places=4, null=True, blank=True)
    milestone_status = models.CharField(_("達成状況"), max_length=20, choices=MilestoneStatus.choices, blank=True)
    description = models.TextField(_("実施内容"), blank=True, max_length=TEXT_MAX_LENGTH)
    comment = models.TextField(_("備考"), blank=True, max_length=TEXT_MAX_LENGTH)
    version = models.PositiveIntegerField(_("版"), default=1)
    raw_rate = models.DecimalField(_("達成率"), max_digits=12, decimal_places=4, null=True, blank=True)
    capped_rate = models.DecimalField(_("達成率（上限適用）"), max_digits=12, decimal_places=4, null=True, blank=True)
    grade = models.CharField(_("評価"), max_length=8, blank=True)
    # The plausibility warnings (indicators.plausibility) the clerk confirmed when saving this
    # value: their codes. Who and when are the row's own audit fields and history.
    confirmed_warnings = models.JSONField(_("確認済みの注意"), default=list, blank=True)

    class Meta:
        verbose_name = _("実績")
        verbose_name_plural = _("実績")
        # No default ordering for targets and actuals: callers key them by indicator and year,
        # and ordering by "indicator" would join up to the plan on every query.
        constraints = [
            models.UniqueConstraint(fields=["indicator", "plan_year"], name="actual_one_per_year"),
            models.CheckConstraint(
                condition=Q(value__isnull=False) | ~Q(milestone_status=""), name="actual_has_value_or_status"
            ),
            models.CheckConstraint(condition=Q(value__isnull=True) | Q(value__gte=0), name="actual_value_non_negative"),
        ]
        indexes = [
            # The デモデータ banner asks on every page whether any demo actual exists.
            models.Index(fields=["is_demo"], condition=Q(is_demo=True), name="actual_demo_only"),
        ]

    def __str__(self) -> str:
        return f"{self.indicator} {self.plan_year}"


class MeasureResult(models.Model):
    """A measure's achievement in a fiscal year, kept current by indicators.services so that
    roll-ups are plain aggregates over one row per measure and year."""

    class Outcome(models.TextChoices):
        GRADED = "graded", _("評価済")
        NO_TARGET = "no_target", _("対象外")
        UNREPORTED = "unreported", _("未報告")

    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="results", verbose_name=_("施策"))
    plan_year = models.ForeignKey(
        PlanYear, on_delete=models.CASCADE, related_name="measure_results", verbose_name=_("年度")
    )
    outcome = models.CharField(_("状態"), max_length=20, choices=Outcome.choices)
    rate = models.DecimalField(_("達成率（上限適用後の平均）"), max_digits=12, decimal_places=4, null=True, blank=True)
    grade = models.CharField(_("評価"), max_length=8, blank=True)
    indicators_with_target = models.PositiveSmallIntegerField(_("目標のある指標数"), default=0)
    indicators_reported = models.PositiveSmallIntegerField(_("報告済の指標数"), default=0)
    # How far the measure-year's report has got: the strictest basis its figures count on
    # (indicators.basis). Set by pdca when the report's status changes.
    basis_reached = models.CharField(
        _("集計基準（報告の段階）"), max_length=10, choices=Basis.choices, default=Basis.ENTERED
    )

    class Meta:
        verbose_name = _("施策の年度評価")
        verbose_name_plural = _("施策の年度評価")
        constraints = [
            models.UniqueConstraint(fields=["measure", "plan_year"], name="measure_result_one_per_year"),
        ]
        indexes = [
            # Covers "which measures are graded low or unreported this year" (the dashboard's
            # at-risk count) without reading the table.
            models.Index(fields=["plan_year", "outcome", "grade", "measure"], name="measure_result_year_state"),
        ]

    def __str__(self) -> str:
        return f"{self.measure.code} {self.plan_year}: {self.grade or self.get_outcome_display()}"

    @property
    def label(self) -> str:
        return self.grade or self.get_outcome_display()


class GroupResult(models.Model):
    """The roll-up of MeasureResult over one group of measures (the plan, a pillar, a
    sub-pillar, a field, a section or a bureau) in a fiscal year.

    Kept current in the same transaction as every MeasureResult write (indicators.group_results),
    so that the dashboard reads a handful of rows, whatever the number of measures, instead of
    aggregating every measure on each request. The sum of rates is kept exactly, so the mean
    is the exact decimal mean, cut to four places like every stored rate.
    """

    class Level(models.TextChoices):
        PLAN = "plan", _("計画全体")
        PILLAR = "pillar", _("柱")
        SUBPILLAR = "subpillar", _("中柱")
        FIELD = "field", _("分野")
        SECTION = "section", _("所属")
        BUREAU = "bureau", _("局")

    plan_year = models.ForeignKey(
        PlanYear, on_delete=models.CASCADE, related_name="group_results", verbose_name=_("年度")
    )
    level = models.CharField(_("集計単位"), max_length=10, choices=Level.choices)
    basis = models.CharField(_("集計基準"), max_length=10, choices=Basis.choices, default=Basis.ENTERED)
    pillar = models.ForeignKey(Pillar, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    subpillar = models.ForeignKey(SubPillar, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    field = models.ForeignKey(Field, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    section = models.ForeignKey(Section, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    bureau = models.ForeignKey(Bureau, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    measures = models.PositiveIntegerField(_("施策数"), default=0)
    graded = models.PositiveIntegerField(_("評価済の施策数"), default=0)
    rate_sum = models.DecimalField(_("達成率の合計"), max_digits=20, decimal_places=4, default=0)
    mean_rate = models.DecimalField(_("平均達成率"), max_digits=12, decimal_places=4, null=True, blank=True)
    unreported = models.PositiveIntegerField(_("未報告の施策数"), default=0)
    no_target = models.PositiveIntegerField(_("対象外の施策数"), default=0)
    # Measures with a graded result whose report has not reached the basis (counted as 未報告).
    left_out = models.PositiveIntegerField(_("基準外で除いた施策数"), default=0)
    grade_counts = models.JSONField(_("評価別の施策数"), default=dict, blank=True)
    # The names a bureau's or section's row is sorted by in tables: a bureau's name (and ""),
    # or a section's bureau and own name; "" at the other levels. Kept on the row, with an
    # index, so that a page of twenty bureaus or sections in name order is an index walk
    # rather than a sort of every section of the plan; a rename rebuilds them
    # (indicators.group_results, the admin).
    sort_bureau = models.CharField(_("局名（並べ替え用）"), max_length=100, blank=True, default="", editable=False)
    sort_section = models.CharField(_("所属名（並べ替え用）"), max_length=100, blank=True, default="", editable=False)

    # The foreign key that names the group, per level (none for the plan).
    GROUP_FIELDS = {
        Level.PLAN: None,
        Level.PILLAR: "pillar",
        Level.SUBPILLAR: "subpillar",
        Level.FIELD: "field",
        Level.SECTION: "section",
        Level.BUREAU: "bureau",
    }

    class Meta:
        verbose_name = _("集計結果")
        verbose_name_plural = _("集計結果")
        indexes = [
            models.Index(
                fields=["plan_year", "basis", "level", "sort_bureau", "sort_section"],
                name="group_result_basis_name",
            )
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["plan_year", "basis"], condition=Q(level="plan"), name="group_result_one_plan_row_per_year"
            ),
            *[
                models.UniqueConstraint(
                    fields=["plan_year", "basis", name],
                    condition=Q(level=name),
                    name=f"group_result_one_{name}_row_per_year",
                )
                for name in ("pillar", "subpillar", "field", "section", "bureau")
            ],
            # Exactly the level's own group key is set.
            models.CheckConstraint(
                condition=(
                    Q(level="plan", pillar=None, subpillar=None, field=None, section=None, bureau=None)
                    | Q(level="pillar", pillar__isnull=False, subpillar=None, field=None, section=None, bureau=None)
                    | Q(level="subpillar", pillar=None, subpillar__isnull=False, field=None, section=None, bureau=None)
                    | Q(level="field", pillar=None, subpillar=None, field__isnull=False, section=None, bureau=None)
                    | Q(level="section", pillar=None, subpillar=None, field=None, section__isnull=False, bureau=None)
                    | Q(level="bureau", pillar=None, subpillar=None, field=None, section=None, bureau__isnull=False)
                ),
                name="group_result_key_matches_level",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan_year} {self.get_level_display()} {self.group_id or ''}"

    @property
    def group_id(self) -> int | None:
        name = self.GROUP_FIELDS[self.level]
        return getattr(self, f"{name}_id") if name else None
