"""One limit on free text (core.texts.TEXT_MAX_LENGTH), counted in characters, that the
entry form, the admin, the template (its cell validation and the upload) and the services
agree on; a longer text is refused with a message and nothing typed is lost."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from core.texts import EXCEL_CELL_MAX_LENGTH, TEXT_MAX_LENGTH
from indicators.models import Actual
from measures.models import Measure, PlanYear
from pdca.models import Message, Submission
from pdca.services import Entry, entry_save
from tests.pdca.test_entry import entry_url, form_data
from tests.pdca.test_workbook_template import PERCENT, download, put, upload, written

pytestmark = pytest.mark.django_db

LIMIT_MESSAGE = f"{TEXT_MAX_LENGTH:,}文字以内で入力してください"


def test_the_limit_fits_an_excel_cell_and_the_conversation_shares_it():
    assert TEXT_MAX_LENGTH <= EXCEL_CELL_MAX_LENGTH
    assert Message.MAX_LENGTH == TEXT_MAX_LENGTH
    for model, name in [(Submission, "achievements_text"), (Actual, "description")]:
        assert model._meta.get_field(name).max_length == TEXT_MAX_LENGTH


def test_a_text_one_over_the_limit_is_refused_and_shown_again_in_full(client_for):
    typed = "あ" * (TEXT_MAX_LENGTH + 1)
    response = client_for("staff").post(entry_url(), form_data(achievements_text=typed))
    page = response.content.decode()
    assert response.status_code == 400  # the entry page's answer to a rejected form
    assert f"{LIMIT_MESSAGE}（現在{TEXT_MAX_LENGTH + 1:,}文字、1文字超過）" in page
    assert typed in page
    assert not Submission.objects.exists()


def test_a_text_at_the_limit_with_browser_line_breaks_is_kept_counting_each_break_once(client_for):
    typed = "う" + "\r\n".join(["い" * 9] * (TEXT_MAX_LENGTH // 10))  # 2,000 characters, 2,199 as sent
    assert client_for("staff").post(entry_url(), form_data(issues_text=typed)).status_code == 302
    assert len(Submission.objects.get().issues_text) == TEXT_MAX_LENGTH


def test_the_entry_page_gives_each_text_box_the_limit_for_its_counter_and_no_cutting_maxlength(client_for):
    page = client_for("staff").get(entry_url()).content.decode()
    assert page.count(f'data-max-length="{TEXT_MAX_LENGTH}"') >= 4
    assert "maxlength" not in page.split("<main", 1)[1].replace('maxlength="40"', "")
    assert "/static/js/text-counter.js" in page


def test_the_service_refuses_a_long_text_whoever_calls_it(personas, plan):
    measure = Measure.objects.get(code=PERCENT)
    plan_year = PlanYear.objects.get(plan=plan, fiscal_year=2022)
    with pytest.raises(ValidationError, match="文字以内"):
        entry_save(
            user=personas["staff"],
            measure=measure,
            plan_year=plan_year,
            entry=Entry(next_steps_text="う" * (TEXT_MAX_LENGTH + 1)),
            expected_version=0,
        )
    assert not Submission.objects.exists()


@pytest.mark.parametrize(
    ("sheet", "label"), [("評価・課題", "取組実績"), ("成果指標", "実施内容"), ("取組の進捗", "補足")]
)
def test_an_upload_with_a_long_text_is_refused_with_its_cell_and_writes_nothing(client_for, sheet, label):
    client = client_for("staff")
    workbook = download(client)
    cell = put(workbook, sheet, PERCENT, label, "え" * (TEXT_MAX_LENGTH + 5))
    if label == "補足":
        put(workbook, sheet, PERCENT, "進捗", "実施中")
    before = written()
    response = upload(client, workbook)
    page = response.content.decode()
    assert response.status_code == 400
    assert f"{cell.row}行" in page and LIMIT_MESSAGE in page and "5文字超過" in page
    assert written() == before


def test_the_template_checks_the_same_limit_in_every_text_cell(client_for):
    workbook = download(client_for("staff"))
    for name in ("評価・課題", "成果指標", "取組の進捗"):
        limits = [v for v in workbook[name].data_validations.dataValidation if v.type == "textLength"]
        assert limits and all(v.formula1 == str(TEXT_MAX_LENGTH) for v in limits), name


def test_the_admin_refuses_a_long_plan_text_without_cutting_it(client_for, personas):
    personas["hq"].is_staff = True
    personas["hq"].save()
    client = client_for("hq")
    measure = Measure.objects.get(code=PERCENT)
    url = reverse("admin:measures_measure_change", args=[measure.pk])
    page = client.get(url).content.decode()
    assert f'data-max-length="{TEXT_MAX_LENGTH}"' in page
    assert f'maxlength="{TEXT_MAX_LENGTH}"' not in page
    form = client.get(url).context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields}
    data["summary"] = "お" * (TEXT_MAX_LENGTH + 1)
    response = client.post(url, data)
    assert response.status_code == 200 and response.context["adminform"].form.errors["summary"]
    assert data["summary"] in response.content.decode()  # shown again in full
    measure.refresh_from_db()
    assert len(measure.summary) < TEXT_MAX_LENGTH
