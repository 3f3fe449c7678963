"""The one cache (core.cache): copies keyed by the data version, which every write path
renews in its own transaction; a copy is kept only once the transaction that read it commits."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.cache import data_changed, data_version
from indicators.models import Indicator, Target
from indicators.plan_file import plan_export, plan_load
from indicators.services import actual_record, target_update
from measures.models import GradeBand, Measure, PlanYear
from measures.selectors import measure_card, plan_current, plans_with_version
from pdca.models import Role
from tests.conftest import measure
from tests.pdca.test_entry import CODE, YEAR, entry_url, form_data, review_url

pytestmark = pytest.mark.django_db

UNDONE = "取り消される施策名"


class Rollback(Exception):
    pass


def main(page: str) -> str:
    """The page's content, its form tokens (new on every request) and its charts' element ids
    (random) left out."""
    content = page[page.index("<main") : page.index("</main>")]
    content = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", content)
    return re.sub(r"[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}", "", content)


def request_plan(plan):
    """The plan as a request reads it: with its data version."""
    return plans_with_version().get(pk=plan.pk)


@pytest.mark.parametrize("renewed_first", [False, True], ids=["read-before-renewal", "read-after-renewal"])
def test_a_card_read_inside_a_write_that_rolls_back_is_never_kept(
    plan, django_capture_on_commit_callbacks, renewed_first
):
    original = measure(CODE).name
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(Rollback), transaction.atomic():
            if renewed_first:
                data_changed()
            Measure.objects.filter(plan=plan, code=CODE).update(name=UNDONE)
            assert measure_card(request_plan(plan), CODE).measure.name == UNDONE
            raise Rollback
        assert measure_card(request_plan(plan), CODE).measure.name == original
    # Now kept, and what is kept is the committed name.
    with CaptureQueriesContext(connection) as queries:
        assert measure_card(request_plan(plan), CODE).measure.name == original
    assert len(queries) == 1  # the plan row with its version


def test_a_page_rendered_inside_a_write_that_rolls_back_is_never_kept(
    client_for, plan, django_capture_on_commit_callbacks
):
    client = client_for("hq")
    url = reverse("measure_list") + f"?year={YEAR}&q={CODE}"
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(Rollback), transaction.atomic():
            Measure.objects.filter(plan=plan, code=CODE).update(name=UNDONE)
            assert UNDONE in client.get(url).content.decode()
            raise Rollback
    with django_capture_on_commit_callbacks(execute=True):
        assert UNDONE not in client.get(url).content.decode()
    assert UNDONE not in client.get(url).content.decode()


@pytest.mark.parametrize("name", ["dashboard", "plan_tree", "measure_list", "measure_detail"])
def test_a_page_served_from_the_cache_is_the_same_page_for_fewer_queries(
    client_for, plan, django_capture_on_commit_callbacks, name
):
    client = client_for("hq")
    url = reverse(name, kwargs={"code": CODE} if name == "measure_detail" else None) + f"?year={YEAR}"
    client.get(url)  # the session remembers the plan
    with django_capture_on_commit_callbacks(execute=True), CaptureQueriesContext(connection) as cold:
        first = main(client.get(url).content.decode())
    with CaptureQueriesContext(connection) as warm:
        second = main(client.get(url).content.decode())
    assert second == first
    assert len(warm) < len(cold)


def test_a_committed_save_is_shown_at_once_by_a_page_kept_before_it(
    client_for, plan, django_capture_on_commit_callbacks
):
    url = reverse("measure_list") + f"?year={YEAR}&q={CODE}&basis=entered"  # a draft counts
    with django_capture_on_commit_callbacks(execute=True):
        before = client_for("hq").get(url).content.decode()
        assert client_for("staff").post(entry_url(), form_data()).status_code == 302
        after = client_for("hq").get(url).content.decode()
    assert "100.0%" not in before and "100.0%" in after  # 85 against a target of 80


def test_a_user_is_never_served_another_users_copy(client_for, plan, django_capture_on_commit_callbacks):
    url = reverse("plan_tree") + f"?year={YEAR}"
    workbook = reverse("workbook_download")
    with django_capture_on_commit_callbacks(execute=True):
        assert workbook in client_for("hq").get(url).content.decode()
        assert workbook not in client_for("staff").get(url).content.decode()


def test_the_kept_menu_follows_the_users_role(client_for, personas, plan, django_capture_on_commit_callbacks):
    """The page frame's menu is kept per user, role and address (base.html's {% cache %}): a
    role changed with no other write shows at once."""
    url = reverse("plan_tree") + f"?year={YEAR}"
    manage = f'href="{reverse("manage")}"'
    with django_capture_on_commit_callbacks(execute=True):
        assert manage in client_for("hq").get(url).content.decode()
        personas["hq"].profile.role = Role.VIEWER
        personas["hq"].profile.save(update_fields=["role"])
        assert manage not in client_for("hq").get(url).content.decode()


def test_the_plan_is_read_from_the_cache_under_the_data_version(plan, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # kept as the read commits
        first = plan_current(plan.code)
    assert first.data_version == data_version()
    with django_capture_on_commit_callbacks(execute=True):
        with CaptureQueriesContext(connection) as queries:
            again = plan_current(plan.code)
        assert len(queries) == 1  # the version alone
        assert again is not first and again.name == plan.name
        # A change through a write path (a new version) is seen by the next read.
        with transaction.atomic():
            type(plan).objects.filter(pk=plan.pk).update(name="改称した計画")
            data_changed()
        assert plan_current(plan.code).name == "改称した計画"
        assert plan_current().code == plan.code  # the newest plan, by default


def _indicator(plan):
    return Indicator.objects.filter(measure__plan=plan, measure__code=CODE).first()


def _actual_recorded(plan, client_for):
    plan_year = PlanYear.objects.get(plan=plan, fiscal_year=YEAR)
    actual_record(indicator=_indicator(plan), plan_year=plan_year, value=Decimal(50), user=None)


def _target_updated(plan, client_for):
    target = Target.objects.get(indicator=_indicator(plan), plan_year__fiscal_year=YEAR)
    target_update(target=target, text="90%", value=Decimal(90))


def _entry_saved(plan, client_for):
    assert client_for("staff").post(entry_url(), form_data()).status_code == 302


def _submission_approved(plan, client_for):
    _entry_saved(plan, client_for)
    client_for("staff").post(entry_url(), form_data(submit="1"))
    before = data_version()
    client_for("hq").post(review_url("approve"), {"comment": ""})
    assert data_version() != before


def _plan_reloaded_with_a_new_name(plan, client_for):
    document = plan_export(plan)
    document["measures"][0]["name"] = "新しい施策名"
    plan_load(document, source="test")


def _band_renamed_in_the_admin(plan, client_for):
    band = GradeBand.objects.get(plan=plan, code="A")
    client = client_for("hq")
    client.get(reverse("admin:measures_gradeband_change", args=[band.pk]))
    response = client.post(
        reverse("admin:measures_gradeband_change", args=[band.pk]),
        {"plan": plan.pk, "code": "A", "label": "目標達成", "min_rate": band.min_rate, "order": band.order},
    )
    assert response.status_code == 302, response.content.decode()[:2000]


WRITES = [
    _actual_recorded,
    _target_updated,
    _entry_saved,
    _submission_approved,
    _plan_reloaded_with_a_new_name,
    _band_renamed_in_the_admin,
]


@pytest.mark.parametrize("write", WRITES, ids=lambda write: write.__name__.strip("_"))
def test_every_write_path_renews_the_data_version(plan, client_for, personas, write):
    personas["hq"].is_staff = True  # the admin's door
    personas["hq"].save()
    data_changed()
    before = data_version()
    write(plan, client_for)
    assert data_version() not in (None, before)


def test_reloading_an_unchanged_plan_keeps_the_version(plan):
    document = plan_export(plan)
    data_changed()
    before = data_version()
    plan_load(document, source="test")
    assert data_version() == before
