"""Demo accounts and demo data, so that a newcomer sees a living product.

Used only by `seed_demo` (run by bin/start), never by a production deployment. Every demo
row is marked `is_demo`, so `seed_demo --clear` removes exactly those and nothing real.
"""

from __future__ import annotations

import random
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from core.cache import data_changed
from indicators.models import Actual, IndicatorKind, MilestoneStatus, Target
from indicators.services import actual_record, results_recompute
from measures.models import Plan, Section
from pdca.models import (
    Message,
    MessageKind,
    Profile,
    ProgressStatus,
    Role,
    ScheduleProgress,
    SelfAssessment,
    Submission,
    SubmissionStatus,
    Transition,
)
from pdca.services import report_bases_sync

DEMO_ACCOUNTS = [
    # username, role, display name, sections (bureau, section)
    ("hq", Role.HQ, "本部事務局（デモ）", []),
    ("viewer", Role.VIEWER, "CIO・CDO（デモ）", []),
    ("staff-ict", Role.STAFF, "ICT・データ戦略課 担当（デモ）", [("総務局", "ICT・データ戦略課")]),
    ("staff-system", Role.STAFF, "情報システム課 担当（デモ）", [("総務局", "情報システム課")]),
    ("staff-tourism", Role.STAFF, "国際観光課 担当（デモ）", [("国際文化観光局", "国際観光課")]),
]
DEMO_YEARS = (2019, 2020, 2021)


def demo_accounts_create(*, allow: bool = False) -> list[User]:
    """The demo accounts (known password): only where settings allow them (DEBUG) or when
    asked explicitly (`seed_demo --allow-demo`), never by a production deployment by mistake."""
    if not (allow or settings.DEMO_ACCOUNTS_ALLOWED):
        raise PermissionDenied(
            _("本番設定（DJANGO_DEBUG=0）ではデモアカウントを作成できません。必要なら --allow-demo を付けてください。")
        )
    users = []
    for username, role, display_name, sections in DEMO_ACCOUNTS:
        user, _created = User.objects.get_or_create(username=username)
        user.first_name = display_name
        user.email = f"{username}@example.com"  # reminders go to the console in the demo
        user.is_staff = role == Role.HQ  # headquarters edits plan data in the admin
        validate_password(settings.DEMO_PASSWORD, user)
        user.set_password(settings.DEMO_PASSWORD)
        user.save()
        profile, _created = Profile.objects.update_or_create(user=user, defaults={"role": role, "is_demo": True})
        profile.sections.set([Section.objects.get(bureau__name=b, name=s) for b, s in sections])
        users.append(user)
    return users


def _actual_value(target: Target, rng: random.Random, lower: bool) -> Decimal:
    """A plausible actual: mostly near the target, sometimes short, now and then well over."""
    value = target.value or Decimal(0)
    if lower:
        return value if rng.random() < 0.85 else value + rng.randint(1, 3)
    factor = rng.choice([1.0, 1.0, 1.05, 1.2, 0.95, 0.85, 0.7, 0.4, 1.5])
    return (value * Decimal(str(factor))).quantize(Decimal("1"))


# A share cannot pass the whole.
SHARE_LIMIT = Decimal(100)


def _plausible(indicator, value: Decimal, previous: Decimal | None) -> Decimal:
    """The demo value made believable: a share at most 100%, a running total never below
    last year's."""
    if indicator.kind == IndicatorKind.PERCENTAGE or indicator.unit == "%":
        value = min(value, SHARE_LIMIT)
    if indicator.cumulative and previous is not None:
        value = max(value, previous)
    return value


@transaction.atomic
def demo_data_create(plan: Plan, seed: int = 2019) -> int:
    """Create demo actuals, progress and Check/Act texts for R1–R3; returns the number of actuals."""
    data_changed()
    rng = random.Random(seed)
    hq = User.objects.get(username="hq")
    count = 0
    last_values: dict[int, Decimal] = {}  # indicator id → the value written for the year before
    for plan_year in plan.years.filter(fiscal_year__in=DEMO_YEARS).order_by("fiscal_year"):
        is_latest = plan_year.fiscal_year == max(DEMO_YEARS)
        for measure in plan.measures.prefetch_related("indicators", "schedule_items__years"):
            if Submission.objects.filter(measure=measure, plan_year=plan_year, is_demo=False).exists():
                continue  # never overwrite a real report
            if is_latest and rng.random() < 0.15:
                continue  # 未入力: some measures have not reported yet
            targets = {
                t.indicator_id: t for t in Target.objects.filter(indicator__measure=measure, plan_year=plan_year)
            }
            for indicator in measure.indicators.all():
                target = targets.get(indicator.pk)
                if target is None or not target.is_set:
                    continue
                if indicator.is_milestone:
                    status = rng.choices(
                        [MilestoneStatus.ACHIEVED, MilestoneStatus.PARTIAL, MilestoneStatus.NOT_ACHIEVED], [8, 2, 1]
                    )[0]
                    actual_record(
                        indicator=indicator,
                        plan_year=plan_year,
                        milestone_status=status,
                        description=f"{target.text}に向けて予定どおり取り組んだ（デモ）",
                        user=hq,
                        is_demo=True,
                    )
                else:
                    value = _plausible(
                        indicator,
                        _actual_value(target, rng, indicator.direction == "lower"),
                        last_values.get(indicator.pk),
                    )
                    last_values[indicator.pk] = value
                    actual_record(indicator=indicator, plan_year=plan_year, value=value, user=hq, is_demo=True)
                count += 1
            for item in measure.schedule_items.all():
                if plan_year in item.years.all():
                    status = rng.choices(
                        [ProgressStatus.DONE, ProgressStatus.IN_PROGRESS, ProgressStatus.DELAYED], [6, 3, 1]
                    )[0]
                    ScheduleProgress.objects.update_or_create(
                        schedule_item=item,
                        plan_year=plan_year,
                        defaults={"status": status, "note": "", "updated_by": hq, "is_demo": True},
                    )
            if is_latest:
                status = rng.choices(
                    [
                        SubmissionStatus.APPROVED,
                        SubmissionStatus.SUBMITTED,
                        SubmissionStatus.RETURNED,
                        SubmissionStatus.DRAFT,
                    ],
                    [5, 2, 1, 2],
                )[0]
            else:
                status = SubmissionStatus.APPROVED
            submission, _ = Submission.objects.update_or_create(
                measure=measure,
                plan_year=plan_year,
                defaults={
                    "status": status,
                    "achievements_text": f"{measure.name}について、年度計画に沿って取組を進めた（デモ）。",
                    "self_assessment": rng.choice(
                        [SelfAssessment.ON_TRACK, SelfAssessment.ON_TRACK, SelfAssessment.MOSTLY, SelfAssessment.BEHIND]
                    ),
                    "issues_text": "関係所属との調整に時間を要した（デモ）。",
                    "next_steps_text": "次年度は利用者の声を踏まえて改善を進める（デモ）。",
                    "review_comment": "指標の根拠資料を添えてください（デモ）。"
                    if status == SubmissionStatus.RETURNED
                    else "",
                    "version": 1,
                    "updated_by": hq,
                    "is_demo": True,
                },
            )
            Transition.objects.create(
                submission=submission,
                from_status=SubmissionStatus.NOT_STARTED,
                to_status=status,
                user=hq,
                comment="デモデータ",
            )
            if status == SubmissionStatus.RETURNED:
                Message.objects.create(
                    submission=submission, kind=MessageKind.RETURN, author=hq, text=submission.review_comment
                )
    report_bases_sync(plan=plan)
    return count


@transaction.atomic
def demo_data_clear() -> None:
    """Remove every demo row (actuals, progress, reports) and recompute the results; real entries stay."""
    data_changed()
    plans = list(Plan.objects.filter(measures__indicators__actuals__is_demo=True).distinct())
    Actual.objects.filter(is_demo=True).delete()
    ScheduleProgress.objects.filter(is_demo=True).delete()
    Submission.objects.filter(is_demo=True).delete()
    for plan in plans:
        results_recompute(plan=plan)
        report_bases_sync(plan=plan)
