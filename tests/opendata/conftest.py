"""A published world: FY2020 published with approved, draft and returned reports; FY2021
approved but not published. Markers that must never reach the public are planted in every
place they could leak from."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache

from indicators.services import actual_record, measure_results_basis_set
from measures.models import Measure, PlanYear
from opendata.services import year_publish
from pdca.models import ProgressStatus, ScheduleProgress, SelfAssessment, Submission, SubmissionStatus, Transition
from pdca.services import basis_reached_by

# Never public: a draft's and a returned report's values and texts, a review comment, an
# unpublished year's values and texts, a user's name.
SECRETS = [
    "DRAFT-SECRET",
    "RETURNED-SECRET",
    "COMMENT-SECRET",
    "UNPUBLISHED-SECRET",
    "ACTUAL-NOTE-SECRET",
    "Secret Clerkname",
    "p-secret-clerk",
    "4321",
    "4,321",
    "8765",
    "8,765",
]

APPROVED = ["I-①-ア-03", "I-①-イ-02", "II-④-ア-01", "I-①-ア-01"]
DRAFT = "I-②-ア-01"
RETURNED = "II-①-ア-01"


def record(code: str, year: int, value: str | None = None, status: str = "", user=None, description: str = ""):
    indicator = Measure.objects.get(code=code).indicators.order_by("order").first()
    plan_year = PlanYear.objects.get(plan=indicator.measure.plan, fiscal_year=year)
    actual = actual_record(
        indicator=indicator,
        plan_year=plan_year,
        value=None if value is None else Decimal(value),
        milestone_status=status,
        description=description,
        user=user,
    )
    if description or user:
        type(actual).objects.filter(pk=actual.pk).update(comment="ACTUAL-NOTE-SECRET")
    return actual


def report(code: str, year: int, status: str, user, **texts) -> Submission:
    measure = Measure.objects.get(code=code)
    plan_year = PlanYear.objects.get(plan=measure.plan, fiscal_year=year)
    submission = Submission.objects.create(
        measure=measure, plan_year=plan_year, status=status, updated_by=user, version=1, **texts
    )
    Transition.objects.create(
        submission=submission,
        from_status=SubmissionStatus.SUBMITTED,
        to_status=status,
        user=user,
        comment="COMMENT-SECRET",
    )
    # As pdca.services moves a report's figures onto the bases its status reaches.
    measure_results_basis_set(plan=measure.plan, reached={(measure.pk, plan_year.pk): basis_reached_by(status)})
    item = measure.schedule_items.order_by("order").first()
    if item is not None:
        ScheduleProgress.objects.create(
            schedule_item=item,
            plan_year=plan_year,
            status=ProgressStatus.DONE,
            note="DRAFT-SECRET note",
            updated_by=user,
        )
    return submission


@pytest.fixture(autouse=True)
def _no_kept_public_responses():
    """Each test starts without the public states and responses an earlier one kept: ids
    repeat between tests that roll back, and so could a version made of them."""
    cache.clear()


@pytest.fixture
def world(plan, personas):
    clerk = User.objects.create_user(
        username="p-secret-clerk", password="x", first_name="Secret", last_name="Clerkname"
    )
    record("I-①-ア-03", 2020, "10", user=clerk)  # 10 / 20 = 50% → C
    record("I-①-イ-02", 2020, "120", user=clerk)  # 120 / 120 → A
    record("II-④-ア-01", 2020, "60", user=clerk)  # 60 / 80 = 75% → C
    record("I-①-ア-01", 2020, status="achieved", user=clerk, description="実施した内容（公開可）")  # A
    for code in APPROVED:
        report(
            code,
            2020,
            SubmissionStatus.APPROVED,
            clerk,
            achievements_text=f"{code} の取組実績（公開）",
            self_assessment=SelfAssessment.ON_TRACK,
            issues_text="公開される課題",
            next_steps_text="公開される方向性",
        )
    record(DRAFT, 2020, "4321", user=clerk)
    report(DRAFT, 2020, SubmissionStatus.DRAFT, clerk, achievements_text="DRAFT-SECRET text")
    record(RETURNED, 2020, "4321", user=clerk)
    report(
        RETURNED,
        2020,
        SubmissionStatus.RETURNED,
        clerk,
        achievements_text="RETURNED-SECRET text",
        review_comment="COMMENT-SECRET",
    )
    # FY2021: approved, but not published.
    record("I-①-イ-02", 2021, "8765", user=clerk)
    report("I-①-イ-02", 2021, SubmissionStatus.APPROVED, clerk, achievements_text="UNPUBLISHED-SECRET")
    year_publish(plan_year=PlanYear.objects.get(plan=plan, fiscal_year=2020), user=personas["hq"])
    return plan
