"""Department entry and the review workflow, through the views as each persona sees them."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from indicators.models import Actual, MeasureResult, Target
from measures.models import PlanYear
from pdca.models import ScheduleProgress, Submission, SubmissionStatus, Transition
from tests.conftest import measure

pytestmark = pytest.mark.django_db

# 総務局 ICT・データ戦略課 owns II-④-ア-01: one percentage indicator, 80% every year.
CODE = "II-④-ア-01"
YEAR = 2022


def entry_url(code=CODE, year=YEAR):
    return reverse("entry", kwargs={"code": code, "fiscal_year": year})


def form_data(code=CODE, year=YEAR, **overrides):
    m = measure(code)
    plan_year = PlanYear.objects.get(plan=m.plan, fiscal_year=year)
    submission = Submission.objects.filter(measure=m, plan_year=plan_year).first()
    data = {
        "version": submission.version if submission else 0,
        "achievements_text": "研修を4回実施した。",
        "self_assessment": "on_track",
        "issues_text": "受講者の偏り。",
        "next_steps_text": "オンライン研修を増やす。",
    }
    for indicator in m.indicators.all():
        if indicator.is_milestone:
            data[f"ind-{indicator.pk}-status"] = "achieved"
            data[f"ind-{indicator.pk}-description"] = "実施した。"
        else:
            data[f"ind-{indicator.pk}-value"] = "８５％"
    for item in m.schedule_items.filter(years=plan_year):
        data[f"sch-{item.pk}-status"] = "done"
    data.update(overrides)
    return data


def indicator_field(code=CODE):
    return f"ind-{measure(code).indicators.get().pk}-value"


def test_owning_staff_saves_full_width_numbers_as_a_draft(client_for):
    response = client_for("staff").post(entry_url(), form_data())
    assert response.status_code == 302
    actual = Actual.objects.get(indicator__measure__code=CODE, plan_year__fiscal_year=YEAR)
    assert actual.value == Decimal("85")
    assert actual.raw_rate == Decimal("1.0625")  # 85 / 80
    assert actual.grade == "A"
    submission = Submission.objects.get(measure__code=CODE, plan_year__fiscal_year=YEAR)
    assert submission.status == SubmissionStatus.DRAFT
    result = MeasureResult.objects.get(measure__code=CODE, plan_year__fiscal_year=YEAR)
    assert (result.rate, result.grade) == (Decimal("1.0000"), "A")


def test_a_save_reads_the_indicators_once_and_the_targets_once_under_lock(client_for):
    """The form's indicators serve the save; the targets are read by the save alone, locked
    (on PostgreSQL), as a target change locks them first (tests/pdca/test_target_race.py)."""
    client, data = client_for("staff"), form_data()
    with CaptureQueriesContext(connection) as captured:
        assert client.post(entry_url(), data).status_code == 302

    def reads(table: str) -> list[str]:
        return [q["sql"] for q in captured if q["sql"].startswith("SELECT") and f'FROM "{table}"' in q["sql"]]

    assert len(reads("indicators_indicator")) == 1
    (save_read,) = reads("indicators_target")
    assert ("FOR UPDATE" in save_read) == (connection.vendor == "postgresql")
    assert Actual.objects.get(indicator__measure__code=CODE, plan_year__fiscal_year=YEAR).grade == "A"


def test_a_rejected_form_shows_the_years_targets_again(client_for, plan):
    data = form_data()
    data[indicator_field()] = "たくさん"
    response = client_for("staff").post(entry_url(), data)
    assert response.status_code == 400
    target = Target.objects.get(indicator__measure__code=CODE, plan_year__fiscal_year=YEAR)
    assert response.context["form"].targets[target.indicator_id] == target
    assert target.text in response.content.decode()


def test_submit_moves_the_report_to_submitted(client_for):
    response = client_for("staff").post(entry_url(), form_data(submit="1"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("worklist"))
    assert Submission.objects.get(measure__code=CODE, plan_year__fiscal_year=YEAR).status == SubmissionStatus.SUBMITTED


def test_a_submit_with_gaps_saves_the_draft_and_names_the_gaps(client_for):
    data = form_data(submit="1", issues_text="")
    data[indicator_field()] = ""
    response = client_for("staff").post(entry_url(), data, follow=True)
    submission = Submission.objects.get(measure__code=CODE, plan_year__fiscal_year=YEAR)
    assert submission.status == SubmissionStatus.DRAFT
    text = response.content.decode()
    assert "提出できません" in text
    assert "成果指標「研修受講者満足度（アンケートの肯定的意見の割合）（%）」の実績" in text
    assert "課題" in text


@pytest.mark.parametrize(
    ("typed", "message"),
    [("たくさん", "数値として読めません"), ("-3", "マイナスの値は入力できません。"), ("1e400", "数値として読めません")],
)
def test_a_rejected_form_keeps_what_was_typed_and_writes_nothing(client_for, typed, message):
    data = form_data(achievements_text="消えてはならない文章")
    data[indicator_field()] = typed
    response = client_for("staff").post(entry_url(), data)
    assert response.status_code == 400
    text = response.content.decode()
    assert message in text
    assert "消えてはならない文章" in text
    assert f'value="{typed}"' in text
    assert not Actual.objects.filter(indicator__measure__code=CODE).exists()
    assert not Submission.objects.filter(measure__code=CODE).exists()


def test_a_second_editor_is_told_of_the_first_and_keeps_what_they_typed(client_for, personas):
    stale = form_data()
    client = client_for("staff")
    assert client.post(entry_url(), form_data(achievements_text="先に保存した内容")).status_code == 302
    stale["achievements_text"] = "後から保存しようとした内容"
    response = client_for("hq").post(entry_url(), stale)
    assert response.status_code == 409
    text = response.content.decode()
    assert "後から保存しようとした内容" in text  # kept in the form
    assert "先に保存した内容" in text  # and what is saved now is shown
    submission = Submission.objects.get(measure__code=CODE, plan_year__fiscal_year=YEAR)
    assert submission.achievements_text == "先に保存した内容"
    # Having seen the other save, the second editor can save on top of it.
    retry = dict(stale, version=submission.version)
    assert client_for("hq").post(entry_url(), retry).status_code == 302
    submission.refresh_from_db()
    assert submission.achievements_text == "後から保存しようとした内容"


def test_a_conflict_names_the_other_person_by_display_name(client_for, personas):
    personas["staff"].first_name = "戦略 花子"
    personas["staff"].save()
    stale = form_data()
    assert client_for("staff").post(entry_url(), form_data(achievements_text="先")).status_code == 302
    text = client_for("hq").post(entry_url(), stale).content.decode()
    assert "戦略 花子さんがこの報告を保存しました" in text
    assert "p-staff" not in text


def test_a_conflict_with_ones_own_other_tab_says_so(client_for):
    stale = form_data()
    client = client_for("staff")
    assert client.post(entry_url(), form_data(achievements_text="別のタブで保存")).status_code == 302
    response = client.post(entry_url(), dict(stale, achievements_text="このタブの内容"))
    assert response.status_code == 409
    text = response.content.decode()
    assert "あなた自身が別のタブまたは画面でこの報告を保存しています" in text
    assert "p-staffさん" not in text
    assert "このタブの内容" in text


def _submit(client_for):
    client_for("staff").post(entry_url(), form_data(submit="1"))
    return Submission.objects.get(measure__code=CODE, plan_year__fiscal_year=YEAR)


def review_url(action):
    return reverse(f"review_{action}", kwargs={"code": CODE, "fiscal_year": YEAR})


def test_headquarters_returns_with_a_comment_the_clerk_then_sees(client_for):
    submission = _submit(client_for)
    client_for("hq").post(review_url("return"), {"comment": "根拠資料を添付してください。"})
    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.RETURNED
    page = client_for("staff").get(entry_url()).content.decode()
    assert "根拠資料を添付してください。" in page


def test_returning_without_a_comment_is_refused(client_for):
    submission = _submit(client_for)
    client_for("hq").post(review_url("return"), {"comment": " "})
    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.SUBMITTED


def test_an_approved_year_is_locked_for_staff_until_headquarters_reopens_it(client_for):
    submission = _submit(client_for)
    client_for("hq").post(review_url("approve"), {"comment": ""})
    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.APPROVED
    assert client_for("staff").post(entry_url(), form_data(achievements_text="承認後の変更")).status_code == 403
    client_for("hq").post(review_url("reopen"), {"comment": "数値の誤りが判明したため"})
    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.DRAFT
    assert client_for("staff").post(entry_url(), form_data(achievements_text="承認後の変更")).status_code == 302
    moves = list(Transition.objects.filter(submission=submission).values_list("from_status", "to_status", "comment"))
    assert moves == [
        ("not_started", "draft", ""),
        ("draft", "submitted", ""),
        ("submitted", "approved", ""),
        ("approved", "draft", "数値の誤りが判明したため"),
    ]


def test_a_closed_year_refuses_staff(client_for, plan):
    PlanYear.objects.filter(plan=plan, fiscal_year=YEAR).update(is_open=False)
    assert client_for("staff").post(entry_url(), form_data()).status_code == 403
    assert not Actual.objects.filter(indicator__measure__code=CODE).exists()


def _state():
    return (
        list(Actual.objects.values_list("indicator_id", "plan_year_id", "value", "version")),
        list(Submission.objects.values_list("measure_id", "status", "version", "achievements_text")),
        list(ScheduleProgress.objects.values_list("schedule_item_id", "status")),
    )


def _draft(client_for):
    client_for("staff").post(entry_url(), form_data())


def _approved(client_for):
    _submit(client_for)
    client_for("hq").post(review_url("approve"), {"comment": ""})


# (route, url, data, the state in which the route would act for someone with the right)
WRITE_ROUTES = [
    ("entry", lambda: entry_url(), lambda: form_data(achievements_text="書き換え"), _draft),
    ("approve", lambda: review_url("approve"), lambda: {"comment": ""}, _submit),
    ("return", lambda: review_url("return"), lambda: {"comment": "x"}, _submit),
    ("reopen", lambda: review_url("reopen"), lambda: {"comment": "x"}, _approved),
]


@pytest.mark.parametrize("persona", ["other_staff", "viewer", "anonymous"])
@pytest.mark.parametrize(("route", "url", "data", "arrange"), WRITE_ROUTES, ids=[r[0] for r in WRITE_ROUTES])
def test_every_write_route_refuses_those_without_rights_and_changes_nothing(
    client_for, persona, route, url, data, arrange
):
    arrange(client_for)
    before = _state()
    response = client_for(persona).post(url(), data())
    if persona == "anonymous":
        assert response.status_code == 302 and reverse("login") in response["Location"]
    else:
        assert response.status_code == 403
    assert _state() == before


@pytest.mark.parametrize("persona", ["other_staff", "viewer"])
def test_a_rejected_form_from_someone_without_rights_is_refused_not_shown_back(client_for, persona):
    data = form_data()
    data[indicator_field()] = "八十五"  # invalid: the form would come back with an error
    before = _state()
    response = client_for(persona).post(entry_url(), data)
    assert response.status_code == 403
    assert "八十五" not in response.content.decode()
    assert _state() == before


def test_a_clerks_save_asks_once_whether_their_sections_own_the_measure(client_for):
    client, data = client_for("staff"), form_data()
    with CaptureQueriesContext(connection) as captured:
        assert client.post(entry_url(), data).status_code == 302
    ownership = [q for q in captured if '"pdca_profile_sections"' in q["sql"] and "measures_measuresection" in q["sql"]]
    assert len(ownership) == 1


def test_ownership_is_asked_once_per_measure_instance_as_an_upload_asks_before_each_save(
    personas, django_assert_num_queries
):
    from pdca import rights

    m = measure(CODE)
    plan_year = PlanYear.objects.get(plan=m.plan, fiscal_year=YEAR)
    with django_assert_num_queries(2):
        assert rights.may_edit(personas["staff"], m, plan_year, None)
        assert rights.may_edit(personas["staff"], m, plan_year, None)
        assert not rights.may_edit(personas["other_staff"], m, plan_year, None)


@pytest.mark.parametrize(("route", "arrange"), [("approve", _submit), ("return", _submit), ("reopen", _approved)])
def test_staff_cannot_review_even_their_own_measure(client_for, route, arrange):
    arrange(client_for)
    before = _state()
    assert client_for("staff").post(review_url(route), {"comment": "x"}).status_code == 403
    assert _state() == before


@pytest.mark.parametrize(("route", "arrange"), [("approve", _submit), ("return", _submit), ("reopen", _approved)])
def test_headquarters_may_use_each_review_route(client_for, route, arrange):
    arrange(client_for)
    before = _state()
    client_for("hq").post(review_url(route), {"comment": "x"})
    assert _state() != before


def test_staff_cannot_post_an_indicator_of_another_measure(client_for):
    other = measure("I-①-イ-02").indicators.get()
    data = form_data()
    data[f"ind-{other.pk}-value"] = "999"
    client_for("staff").post(entry_url(), data)
    assert not Actual.objects.filter(indicator=other).exists()


def test_the_worklist_shows_the_clerks_measures_with_status_and_gaps(
    client_for, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    client = client_for("staff")
    client.post(entry_url(), form_data())
    with django_capture_on_commit_callbacks(execute=True):  # the plan's settings kept, as a server keeps them
        client.get(reverse("worklist") + f"?year={YEAR}")
    # 18: a page's measures and their count, then the rows of those measures by id, the
    # year's deadline and the returns still open.
    with django_assert_max_num_queries(18):
        page = client.get(reverse("worklist") + f"?year={YEAR}").content.decode()
    assert CODE in page and "入力中" in page
    assert "I-①-イ-02" not in page  # another section's measure
    assert "未入力" in page


def test_headquarters_worklist_pages_through_every_measure_of_a_large_plan_once_in_plan_order(client_for, plan):
    from benchmarks.synthetic import synthetic_plan_create

    large = synthetic_plan_create(measures=230, code="synthetic-worklist")
    client = client_for("hq")
    url = reverse("worklist") + f"?plan={large.code}&year=2021"
    row_codes = re.compile(r"<tr>\s*<td>([^<]+)</td>")
    pages = [client.get(url + f"&page={number}").content.decode() for number in (1, 2, 3)]
    shown = [row_codes.findall(page) for page in pages]
    assert [len(codes) for codes in shown] == [100, 100, 30]
    assert sum(shown, []) == list(large.measures.order_by("order").values_list("code", flat=True))
    assert "担当する施策 230 件（101〜200 件目）" in pages[1]
    assert 'href="?plan=synthetic-worklist&amp;year=2021&amp;page=3"' in pages[0]
    # The real plan's 76 measures stay on one page, without a pager.
    real = client.get(reverse("worklist") + f"?plan={plan.code}&year=2021").content.decode()
    assert len(row_codes.findall(real)) == 76 and 'class="pager"' not in real


@pytest.mark.parametrize("plan_code", ["kanagawa-ict-2019", "synthetic-gaps"])
def test_the_worklist_counts_each_measures_missing_actuals_and_progress(client_for, plan, plan_code):
    """Counted here the plain way, by joins on the measure, against the page's cells: the
    real plan's schedules differ by year, the synthetic plan mixes complete and incomplete."""
    from benchmarks.synthetic import synthetic_plan_create
    from indicators.models import Target
    from measures.models import Plan, ScheduleItem

    if plan_code != plan.code:
        synthetic_plan_create(measures=120, code=plan_code)
    chosen = Plan.objects.get(code=plan_code)
    plan_year = PlanYear.objects.get(plan=chosen, fiscal_year=2021)
    page = client_for("hq").get(reverse("worklist") + f"?plan={plan_code}&year=2021").content.decode()
    cells = dict(re.findall(r"<tr>\s*<td>([^<]+)</td>.*?</td>.*?</td>\s*<td>([^<]*)</td>", page, re.S))
    shown = list(chosen.measures.order_by("order")[:100])
    assert len(cells) == len(shown)
    for m in shown:
        actuals = sum(
            1
            for t in Target.objects.filter(indicator__measure=m, plan_year=plan_year)
            if t.is_set and not Actual.objects.filter(indicator_id=t.indicator_id, plan_year=plan_year).exists()
        )
        progress = (
            ScheduleItem.objects.filter(measure=m, years=plan_year).exclude(progress__plan_year=plan_year).count()
        )
        parts = [f"実績 {actuals} 件"] * bool(actuals) + [f"進捗 {progress} 件"] * bool(progress)
        assert cells[m.code] == ("、".join(parts) or "なし"), m.code


@pytest.mark.parametrize("persona", ["staff", "other_staff", "hq", "viewer"])
def test_every_logged_in_persona_can_read_the_pages(client_for, persona):
    client = client_for(persona)
    for url in [
        reverse("dashboard"),
        reverse("plan_tree"),
        reverse("measure_list"),
        reverse("measure_detail", args=[CODE]),
        reverse("worklist"),
    ]:
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize(("persona", "start"), [("staff", "worklist"), ("hq", "dashboard"), ("viewer", "dashboard")])
def test_each_role_starts_on_its_own_page(client_for, persona, start):
    response = client_for(persona).get(reverse("home"))
    assert response.status_code == 302 and response["Location"] == reverse(start)


def test_anonymous_visitors_are_sent_to_login(client_for):
    for url in [reverse("home"), reverse("measure_list"), reverse("measure_detail", args=[CODE]), entry_url()]:
        response = client_for("anonymous").get(url)
        assert response.status_code == 302 and reverse("login") in response["Location"], url


@pytest.mark.parametrize(("persona", "status"), [("staff", 200), ("hq", 200), ("other_staff", 403), ("viewer", 403)])
def test_the_entry_page_opens_only_for_those_who_may_edit(client_for, persona, status):
    assert client_for(persona).get(entry_url()).status_code == status


def test_the_measure_page_shows_who_changed_what(client_for):
    client_for("staff").post(entry_url(), form_data())
    data = form_data()
    data[indicator_field()] = "70%"
    client_for("staff").post(entry_url(), data)
    page = client_for("viewer").get(reverse("measure_detail", args=[CODE]) + f"?year={YEAR}").content.decode()
    assert "変更履歴" in page
    assert "p-staff" in page
    history = page[page.index("実績・目標・報告の変更") :]
    assert re.search(r"実績値</td><td>85</td><td>70</td>", history)
    assert "進捗</td><td>—</td><td>完了</td>" in history


def test_the_history_names_a_status_by_its_own_field_and_shows_free_text_as_typed(client_for):
    data = form_data()
    item = measure(CODE).schedule_items.filter(years__fiscal_year=YEAR).first()
    data[f"sch-{item.pk}-note"] = "done"  # a note that happens to spell a progress status
    client_for("staff").post(entry_url(), data)
    page = client_for("viewer").get(reverse("measure_detail", args=[CODE]) + f"?year={YEAR}").content.decode()
    history = page[page.index("実績・目標・報告の変更") :]
    # "not_started" is 未入力 for a report (未着手 is the progress status of that name).
    assert "年度報告（令和4年度 (2022)）：状態</td><td>未入力</td><td>入力中</td>" in history
    assert f"取組「{item.name}」（令和4年度 (2022)）：補足</td><td>—</td><td>done</td>" in history


def test_the_measure_page_lists_workflow_moves_with_their_reasons_escaped(client_for):
    _submit(client_for)
    client_for("hq").post(review_url("return"), {"comment": "<b>根拠</b>を添付"})
    page = client_for("viewer").get(reverse("measure_detail", args=[CODE]) + f"?year={YEAR}").content.decode()
    moves = page[page.index("報告の状態の変更") : page.index("実績・目標・報告の変更")]
    rows = re.findall(
        r'<tr><td class="when">[^<]+</td><td class="when">(.*?)</td><td class="who">(.*?)</td><td>(.*?)</td>'
        r"<td>(.*?)</td></tr>",
        moves,
    )
    assert rows == [
        ("令和4年度 (2022)", "p-hq", "提出済 → 差戻し", "&lt;b&gt;根拠&lt;/b&gt;を添付"),
        ("令和4年度 (2022)", "p-staff", "入力中 → 提出済", ""),
        ("令和4年度 (2022)", "p-staff", "未入力 → 入力中", ""),
    ]


def test_the_schedule_grid_marks_the_years_each_activity_runs(client_for):
    page = client_for("viewer").get(reverse("measure_detail", args=["I-①-イ-01"])).content.decode()
    grid = page[page.index("schedule-grid") :]
    row = grid[grid.index("ウェブサイトの改修</th>") :]
    cells = re.findall(r'<td class="schedule-cell">(.*?)</td>', row[: row.index("</tr>")])
    assert ["●" in cell for cell in cells] == [True, False, False, False]


def test_a_long_history_shows_its_latest_changes_and_no_change_from_nothing(client_for):
    from pdca.selectors import measure_history

    client = client_for("staff")
    for value in range(1, 8):
        data = form_data()
        data[indicator_field()] = str(value)
        data[indicator_field().replace("-value", "-confirm")] = "far_from_target"
        assert client.post(entry_url(), data).status_code == 302
    changes = measure_history(measure(CODE), limit=4)
    values = [(c.old, c.new) for c in changes if c.what.endswith("実績値")]
    # Newest first, each a real step from the value before; the oldest record in the window
    # (value 3, whose predecessor lies beyond it) is left out rather than shown as "— → 3".
    assert values == [("6", "7"), ("5", "6"), ("4", "5"), ("3", "4")]


def test_the_measure_page_pages_its_history_and_keeps_dates_and_names_on_one_line(client_for):
    client = client_for("staff")
    for value in range(1, 25):
        data = form_data()
        data[indicator_field()] = str(value)
        data[indicator_field().replace("-value", "-confirm")] = "far_from_target"
        assert client.post(entry_url(), data).status_code == 302
    url = reverse("measure_detail", args=[CODE]) + f"?year={YEAR}"
    first = client_for("viewer").get(url).content.decode()
    history = first[first.index("実績・目標・報告の変更") :]
    assert history.count('<td class="when">') == 20 and '<td class="who">p-staff</td>' in history
    assert "history-page=2" in history
    second = client_for("viewer").get(url + "&history-page=2").content.decode()
    assert "実績値</td><td>1</td><td>2</td>" in second[second.index("実績・目標・報告の変更") :]
