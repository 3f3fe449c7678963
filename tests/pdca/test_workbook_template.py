"""The department template: download, fill in with openpyxl as a clerk would in Excel,
upload, preview, confirm; every persona, every bad file, the locks, and all-or-nothing."""

from __future__ import annotations

import datetime
import zipfile
from decimal import Decimal
from io import BytesIO

import pytest
from django.core import signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook
from python_calamine import CalamineWorkbook

from indicators.models import Actual, MeasureResult
from measures.models import PlanYear
from pdca import services
from pdca.models import ProgressStatus, ScheduleProgress, SelfAssessment, Submission, SubmissionStatus
from pdca.services import Entry, IndicatorEntry, entry_save
from pdca.views.workbook import SESSION_KEY
from pdca.workbook.imports import UploadError, template_upload_apply, template_upload_read
from pdca.workbook.imports import apply as imports_apply
from pdca.workbook.imports import read as imports_read
from pdca.workbook.imports import sheets as imports_sheets
from tests.conftest import measure, section

pytestmark = pytest.mark.django_db

YEAR = 2022
PERCENT = "II-④-ア-01"  # 研修受講者満足度 80% every year; schedule rows in R4
COUNT = "I-②-ア-01"  # 公開テーマ数, R4 target 100
MILESTONE = "I-③-エ-01"  # 円滑な運用の実施, 実施 every year
OTHERS = "I-①-イ-02"  # 国際観光課's measure
STAFF_MEASURES = 15  # 総務局 ICT・データ戦略課 owns 15 cards


# --- helpers ----------------------------------------------------------------------------------


def download(client, year: int = YEAR) -> Workbook:
    response = client.get(reverse("workbook_template"), {"year": year})
    assert response.status_code == 200, response
    return load_workbook(BytesIO(b"".join(response.streaming_content)))


def as_bytes(workbook: Workbook) -> bytes:
    output = BytesIO()
    workbook.save(output)
    return output.getvalue()


def upload(client, data: bytes | Workbook, year: int = YEAR, name: str = "入力済み.xlsx"):
    if isinstance(data, Workbook):
        data = as_bytes(data)
    return client.post(reverse("workbook_upload"), {"year": year, "file": SimpleUploadedFile(name, data)})


def confirm(client, response):
    return client.post(reverse("workbook_upload"), {"confirm": "1", "digest": response.context["preview"].digest})


def column(ws, label: str) -> int:
    return next(cell.column for cell in ws[3] if cell.value == label)


def row_of(ws, code: str, nth: int = 0) -> int:
    rows = [row[0].row for row in ws.iter_rows(min_row=4) if row[column(ws, "施策No") - 1].value == code]
    return rows[nth]


def put(workbook: Workbook, sheet: str, code: str, label: str, value, nth: int = 0):
    ws = workbook[sheet]
    cell = ws.cell(row=row_of(ws, code, nth), column=column(ws, label))
    cell.value = value
    return cell


def fill(workbook: Workbook) -> Workbook:
    """What a clerk types: full-width numbers, a milestone, progress and the Check/Act texts."""
    put(workbook, "成果指標", PERCENT, "実績値", "８５％")
    put(workbook, "成果指標", COUNT, "実績値", "９０")
    put(workbook, "成果指標", MILESTONE, "達成状況", "達成")
    put(workbook, "成果指標", MILESTONE, "実施内容", "保守契約のもと運用した。")
    put(workbook, "取組の進捗", PERCENT, "進捗", "実施中")
    put(workbook, "評価・課題", PERCENT, "取組実績", "研修を4回実施した。\n受講者 120 名。")
    put(workbook, "評価・課題", PERCENT, "評価（自己評価）", "順調")
    text = put(workbook, "評価・課題", PERCENT, "課題", "=受講者の偏り")
    text.data_type = "s"  # typed in Excel as '=受講者の偏り: text, not a formula
    put(workbook, "評価・課題", PERCENT, "今後の方向性", "オンライン研修を増やす。")
    return workbook


def written() -> tuple:
    """Everything an upload could write, to prove that nothing was."""
    return (
        list(Actual.objects.order_by("pk").values_list("pk", "value", "milestone_status", "description", "version")),
        list(Submission.objects.order_by("pk").values_list("pk", "status", "version", "issues_text")),
        list(ScheduleProgress.objects.order_by("pk").values_list("pk", "status", "note")),
        Actual.history.count(),
    )


def plan_year(plan, year: int = YEAR) -> PlanYear:
    return PlanYear.objects.get(plan=plan, fiscal_year=year)


# --- the template -----------------------------------------------------------------------------


def test_the_template_holds_the_clerks_measures_with_targets_and_hidden_identity(client_for, personas, plan):
    workbook = download(client_for("staff"))
    assert workbook.sheetnames == ["説明", "成果指標", "取組の進捗", "評価・課題", "_meta"]
    assert workbook.active.title == "成果指標"
    texts = workbook["評価・課題"]
    codes = [row[2].value for row in texts.iter_rows(min_row=4)]
    assert len(codes) == STAFF_MEASURES
    assert set(codes) == set(measure_codes_of("総務局", "ICT・データ戦略課"))
    indicators = workbook["成果指標"]
    assert indicators["B1"].value == "成果指標（令和4年度 (2022)）"  # column A is hidden
    assert indicators.cell(row_of(indicators, PERCENT), column(indicators, "目標")).value == "80%"
    assert indicators.cell(row_of(indicators, COUNT), column(indicators, "目標")).value == "100"
    meta = workbook["_meta"]
    assert meta.sheet_state == "veryHidden"
    facts = {row[0].value: row[1].value for row in meta.iter_rows()}
    staff_section = section("総務局", "ICT・データ戦略課")
    assert facts["書式版"] == "1"
    assert facts["計画コード"] == plan.code
    assert facts["年度"] == str(YEAR)
    assert facts["所属ID"] == str(staff_section.pk)
    assert facts["所属"] == "総務局 ICT・データ戦略課"
    identity = signing.loads(facts["署名"], salt="pdca.workbook.template")
    assert identity == {
        "format": "1",
        "plan": plan.code,
        "fiscal_year": YEAR,
        "sections": [staff_section.pk],
        "user": personas["staff"].pk,
    }


def measure_codes_of(bureau: str, name: str) -> list[str]:
    return list(section(bureau, name).measures.values_list("code", flat=True))


def test_input_cells_are_unlocked_and_validated_everything_else_is_protected(client_for):
    workbook = download(client_for("staff"))
    assert workbook.security.lockStructure
    for name in ("説明", "成果指標", "取組の進捗", "評価・課題", "_meta"):
        assert workbook[name].protection.sheet, name
    ws = workbook["成果指標"]
    assert ws.column_dimensions["A"].hidden
    assert ws.freeze_panes == "E4"
    assert ws.print_title_rows == "$3:$3"
    assert [c.value for c in ws[3]] == [
        "識別番号（変更しないでください）", "施策No", "施策名", "成果指標", "種類", "単位", "目標", "実績値", "達成状況", "実施内容", "状態",
    ]  # fmt: skip
    number_row, milestone_row = row_of(ws, PERCENT), row_of(ws, MILESTONE)
    value, status = column(ws, "実績値"), column(ws, "達成状況")
    assert ws.cell(number_row, value).protection.locked is False
    assert ws.cell(number_row, status).protection.locked is True  # a number indicator takes no status
    assert ws.cell(milestone_row, status).protection.locked is False
    assert ws.cell(milestone_row, value).protection.locked is True
    assert ws.cell(number_row, column(ws, "実施内容")).protection.locked is False
    for label in ("施策No", "施策名", "成果指標", "目標", "状態"):
        assert ws.cell(number_row, column(ws, label)).protection.locked is True, label
    validations = {v.type: v for v in ws.data_validations.dataValidation}
    assert validations["list"].formula1 == '"達成,一部達成,未達成"'
    assert ws.cell(milestone_row, status).coordinate in validations["list"].sqref
    assert (validations["decimal"].operator, validations["decimal"].formula1) == ("greaterThanOrEqual", "0")
    assert ws.cell(number_row, value).coordinate in validations["decimal"].sqref
    assert validations["decimal"].showErrorMessage
    progress = workbook["取組の進捗"]
    [progress_list] = [v for v in progress.data_validations.dataValidation if v.type == "list"]
    assert progress_list.formula1 == '"未着手,実施中,完了,遅延"'
    assert progress.cell(row_of(progress, PERCENT), column(progress, "進捗")).coordinate in progress_list.sqref
    texts = workbook["評価・課題"]
    [assessment] = [v for v in texts.data_validations.dataValidation if v.type == "list"]
    assert assessment.formula1 == '"順調,概ね順調,やや遅れ,遅れ"'
    assert texts.column_dimensions["A"].hidden and texts.column_dimensions["B"].hidden


def test_an_approved_measure_is_marked_and_locked_in_the_template(client_for, plan):
    Submission.objects.create(measure=measure(PERCENT), plan_year=plan_year(plan), status=SubmissionStatus.APPROVED)
    ws = download(client_for("staff"))["成果指標"]
    row = row_of(ws, PERCENT)
    assert ws.cell(row, column(ws, "状態")).value == "承認済（編集できません）"
    assert ws.cell(row, column(ws, "実績値")).protection.locked is True


def test_another_reader_sees_the_same_template(client_for):
    response = client_for("staff").get(reverse("workbook_template"), {"year": YEAR})
    data = b"".join(response.streaming_content)
    ours = load_workbook(BytesIO(data))
    theirs = CalamineWorkbook.from_filelike(BytesIO(data))
    for name in ("成果指標", "取組の進捗", "評価・課題"):
        rows = theirs.get_sheet_by_name(name).to_python(skip_empty_area=False)
        for their_row, our_row in zip(rows[2:], ours[name].iter_rows(min_row=3, values_only=True), strict=True):
            for their_value, our_value in zip(their_row, our_row, strict=False):
                expected = "" if our_value is None else our_value
                assert (float(their_value) if isinstance(expected, int) else their_value) == expected


def test_headquarters_gets_every_measure(client_for, plan):
    texts = download(client_for("hq"))["評価・課題"]
    assert texts.max_row - 3 == plan.measures.count()


@pytest.mark.parametrize(
    ("persona", "status"), [("staff", 200), ("other_staff", 200), ("hq", 200), ("viewer", 403), ("anonymous", 302)]
)
def test_who_may_download_the_template(client_for, persona, status):
    response = client_for(persona).get(reverse("workbook_template"), {"year": YEAR})
    assert response.status_code == status
    if status == 302:
        assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(
    ("persona", "status"), [("staff", 200), ("other_staff", 200), ("hq", 200), ("viewer", 403), ("anonymous", 302)]
)
def test_who_may_open_the_upload_page(client_for, persona, status):
    response = client_for(persona).get(reverse("workbook_upload"), {"year": YEAR})
    assert response.status_code == status
    if status == 200:
        page = response.content.decode()
        assert '<label for="id_file">' in page and '<label for="id_year">' in page
        assert 'enctype="multipart/form-data"' in page


def test_the_worklist_links_to_the_template_and_the_upload(client_for):
    page = client_for("staff").get(reverse("worklist"), {"year": YEAR}).content.decode()
    assert "Excelで入力（テンプレートをダウンロード）" in page and "Excelをアップロード" in page
    assert f"{reverse('workbook_template')}?year={YEAR}" in page


# --- the round trip ---------------------------------------------------------------------------


def test_round_trip_download_fill_upload_preview_confirm(client_for, plan):
    client = client_for("staff")
    filled = fill(download(client))
    before = written()
    response = upload(client, filled)
    assert response.status_code == 200
    assert written() == before  # the preview writes nothing
    page = response.content.decode()
    changes = {(c.code, c.what): (c.old, c.new) for c in response.context["preview"].changes}
    indicator = measure(PERCENT).indicators.get()
    assert changes[(PERCENT, f"{indicator.name}：実績値")] == ("（空欄）", "85%")
    assert changes[(MILESTONE, "円滑な運用の実施：達成状況")] == ("（空欄）", "達成")
    assert changes[(PERCENT, "課題")] == ("（空欄）", "=受講者の偏り")
    assert "成果指標!H" in page and "この内容で保存する" in page
    assert len(response.context["preview"].updates) == 3

    response = confirm(client, response)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('worklist')}?year={YEAR}"
    actual = Actual.objects.get(indicator=indicator, plan_year__fiscal_year=YEAR)
    assert (actual.value, actual.raw_rate, actual.grade) == (Decimal("85"), Decimal("1.0625"), "A")
    count = Actual.objects.get(indicator__measure__code=COUNT, plan_year__fiscal_year=YEAR)
    assert (count.value, count.raw_rate, count.grade) == (Decimal("90"), Decimal("0.9000"), "B")
    milestone = Actual.objects.get(indicator__measure__code=MILESTONE, plan_year__fiscal_year=YEAR)
    assert (milestone.milestone_status, milestone.description) == ("achieved", "保守契約のもと運用した。")
    result = MeasureResult.objects.get(measure__code=PERCENT, plan_year__fiscal_year=YEAR)
    assert (result.rate, result.grade) == (Decimal("1.0000"), "A")
    submission = Submission.objects.get(measure__code=PERCENT, plan_year__fiscal_year=YEAR)
    assert submission.status == SubmissionStatus.DRAFT
    assert submission.achievements_text == "研修を4回実施した。\n受講者 120 名。"
    assert submission.self_assessment == SelfAssessment.ON_TRACK
    assert submission.issues_text == "=受講者の偏り"
    assert (
        ScheduleProgress.objects.get(
            schedule_item__measure__code=PERCENT,
            schedule_item__name="新体系による研修実施",
            plan_year__fiscal_year=YEAR,
        ).status
        == ProgressStatus.IN_PROGRESS
    )
    untouched = Submission.objects.filter(measure__code="I-②-ア-02", plan_year__fiscal_year=YEAR)
    assert not untouched.exists()  # unchanged measures are not saved (no empty draft appears)
    follow = client.get(response["Location"])
    assert "3件の施策の入力内容を保存しました。" in follow.content.decode()


def test_uploading_the_same_file_twice_changes_nothing_the_second_time(client_for):
    client = client_for("staff")
    data = as_bytes(fill(download(client)))
    confirm(client, upload(client, data))
    before = written()
    response = upload(client, data)
    assert response.status_code == 200
    assert response.context["preview"].changes == []
    assert "保存されている内容から変わったところはありません。" in response.content.decode()
    assert SESSION_KEY not in client.session
    assert written() == before


def test_a_re_downloaded_template_round_trips_without_changes(client_for):
    client = client_for("staff")
    confirm(client, upload(client, fill(download(client))))
    response = upload(client, download(client))
    assert response.context["preview"].changes == []


def test_a_cell_formatted_as_percent_holds_the_fraction_and_means_the_percentage(client_for):
    client = client_for("staff")
    workbook = download(client)
    cell = put(workbook, "成果指標", PERCENT, "実績値", 0.855)  # Excel stores 85.5% as 0.855
    cell.number_format = "0.0%"
    confirm(client, upload(client, workbook))
    assert Actual.objects.get(indicator__measure__code=PERCENT, plan_year__fiscal_year=YEAR).value == Decimal("85.5")


def test_headquarters_uploads_the_full_template(client_for):
    client = client_for("hq")
    workbook = download(client)
    put(workbook, "成果指標", OTHERS, "実績値", "１２０")
    response = confirm(client, upload(client, workbook))
    assert response.status_code == 302
    assert Actual.objects.get(indicator__measure__code=OTHERS, plan_year__fiscal_year=YEAR).value == Decimal("120")


def test_cancel_discards_the_preview(client_for):
    client = client_for("staff")
    upload(client, fill(download(client)))
    before = written()
    response = client.post(reverse("workbook_upload"), {"cancel": "1"}, follow=True)
    assert "アップロードを取り消しました。何も保存していません。" in response.content.decode()
    assert written() == before
    assert SESSION_KEY not in client.session


def test_a_confirmation_for_another_preview_is_refused(client_for):
    client = client_for("staff")
    upload(client, fill(download(client)))
    before = written()
    response = client.post(reverse("workbook_upload"), {"confirm": "1", "digest": "0" * 64})
    assert response.status_code == 400
    assert "確認の有効期限が切れたか" in response.content.decode()
    assert written() == before


# --- rights and locks -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "status"),
    [("staff", 200), ("hq", 200), ("other_staff", 400), ("viewer", 403), ("anonymous", 302)],
)
def test_each_persona_uploading_the_clerks_filled_template(client_for, persona, status):
    data = as_bytes(fill(download(client_for("staff"))))
    before = written()
    response = upload(client_for(persona), data)
    assert response.status_code == status
    assert written() == before
    if persona == "other_staff":
        assert "別の所属（総務局 ICT・データ戦略課）のテンプレートです。" in response.content.decode()


@pytest.mark.parametrize(("persona", "status"), [("viewer", 403), ("anonymous", 302), ("other_staff", 400)])
def test_a_confirmation_by_anyone_else_writes_nothing(client_for, persona, status):
    client = client_for("staff")
    preview = upload(client, fill(download(client))).context["preview"]
    before = written()
    response = client_for(persona).post(reverse("workbook_upload"), {"confirm": "1", "digest": preview.digest})
    assert response.status_code == status
    assert written() == before


def test_an_approved_measure_refuses_changes_and_nothing_is_written(client_for, plan):
    Submission.objects.create(measure=measure(PERCENT), plan_year=plan_year(plan), status=SubmissionStatus.APPROVED)
    client = client_for("staff")
    workbook = download(client)
    put(workbook, "成果指標", PERCENT, "実績値", "85")  # what a clerk might type despite the lock
    put(workbook, "成果指標", COUNT, "実績値", "90")
    before = written()
    response = upload(client, workbook)
    assert response.status_code == 400
    assert f"{PERCENT}：承認済のため編集できません。" in response.content.decode()
    assert written() == before


def test_an_approved_measure_left_unchanged_does_not_block_the_others(client_for, plan):
    Submission.objects.create(measure=measure(PERCENT), plan_year=plan_year(plan), status=SubmissionStatus.APPROVED)
    client = client_for("staff")
    workbook = download(client)
    put(workbook, "成果指標", COUNT, "実績値", "90")
    assert confirm(client, upload(client, workbook)).status_code == 302
    assert Actual.objects.filter(indicator__measure__code=COUNT).exists()


def test_a_closed_year_refuses_staff(client_for, plan):
    client = client_for("staff")
    workbook = fill(download(client))
    PlanYear.objects.filter(plan=plan, fiscal_year=YEAR).update(is_open=False)
    before = written()
    response = upload(client, workbook)
    assert response.status_code == 400
    assert "締め切られているため変更できません" in response.content.decode()
    assert written() == before


def test_a_row_pointing_at_another_sections_measure_is_refused(client_for):
    client = client_for("staff")
    workbook = download(client)
    ws = workbook["成果指標"]
    row = row_of(ws, PERCENT)
    ws.cell(row, 1).value = measure(OTHERS).indicators.first().pk
    ws.cell(row, column(ws, "施策No")).value = OTHERS
    ws.cell(row, column(ws, "実績値")).value = 999
    before = written()
    response = upload(client, workbook)
    assert response.status_code == 400
    assert f"「成果指標」シート {row}行目：担当する施策の行ではありません" in response.content.decode()
    assert written() == before


def test_a_save_on_screen_after_the_download_is_not_overwritten(client_for, personas, plan):
    personas["hq"].first_name = "本部 太郎"
    personas["hq"].save()
    client = client_for("staff")
    workbook = fill(download(client))
    m = measure(PERCENT)
    entry_save(
        user=personas["hq"],
        measure=m,
        plan_year=plan_year(plan),
        entry=Entry(indicators=[IndicatorEntry(m.indicators.get(), Decimal("70"))], achievements_text="画面で保存"),
        expected_version=0,
    )
    before = written()
    response = upload(client, workbook)
    assert response.status_code == 400
    assert f"{PERCENT}：テンプレートをダウンロードした後に、本部 太郎さんがこの施策の報告を保存しています。" in (
        response.content.decode()
    )
    assert written() == before


def test_the_clerk_may_upload_a_later_version_of_a_file_already_uploaded(client_for):
    client = client_for("staff")
    workbook = fill(download(client))
    confirm(client, upload(client, workbook))
    put(workbook, "成果指標", PERCENT, "実績値", "８８")  # the same file, edited further
    response = confirm(client, upload(client, workbook))
    assert response.status_code == 302
    assert Actual.objects.get(indicator__measure__code=PERCENT, plan_year__fiscal_year=YEAR).value == Decimal("88")


# --- all or nothing ---------------------------------------------------------------------------


def test_a_save_between_preview_and_confirm_undoes_the_whole_upload(client_for, personas, plan):
    personas["hq"].first_name = "本部 太郎"
    personas["hq"].save()
    client = client_for("staff")
    response = upload(client, fill(download(client)))
    # The preview saves MILESTONE, COUNT and PERCENT in plan order (I-②-ア-01, I-③-エ-01, II-④-ア-01);
    # someone saves the last one before the clerk confirms.
    m = measure(PERCENT)
    entry_save(
        user=personas["hq"],
        measure=m,
        plan_year=plan_year(plan),
        entry=Entry(achievements_text="本部が先に保存"),
        expected_version=0,
    )
    before = written()
    response = client.post(reverse("workbook_upload"), {"confirm": "1", "digest": response.context["preview"].digest})
    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()
    assert (
        f"{PERCENT}：確認の後に、本部 太郎さんがこの報告を保存しました。何も保存していません。"
        in response.content.decode()
    )
    assert written() == before
    assert not Actual.objects.filter(indicator__measure__code=COUNT).exists()  # saved first, then undone


def test_a_failure_midway_writes_nothing(client_for, personas, plan, monkeypatch):
    client = client_for("staff")
    preview = upload(client, fill(download(client))).context["preview"]
    calls = []

    def failing_second_save(**kwargs):
        calls.append(kwargs["measure"].code)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return services.entry_save(**kwargs)

    monkeypatch.setattr(imports_apply, "entry_save", failing_second_save)
    before = written()
    with pytest.raises(RuntimeError):
        template_upload_apply(user=personas["staff"], plan_year=plan_year(plan), preview=preview)
    assert len(calls) == 2
    assert written() == before


# --- bad files --------------------------------------------------------------------------------


def _zip(entries: dict[str, bytes]) -> bytes:
    output = BytesIO()
    with zipfile.ZipFile(output, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return output.getvalue()


def _ole(*streams: str) -> bytes:
    """The start of an OLE compound file naming its streams (UTF-16), as Excel writes an old
    .xls or a password-protected workbook."""
    body = b"".join(name.encode("utf-16-le") + b"\x00\x00" for name in streams)
    return bytes.fromhex("D0CF11E0A1B11AE1") + b"\x00" * 504 + body + b"\x00" * 1024


def _edit(change):
    def build(template: Workbook) -> bytes:
        change(template)
        return as_bytes(template)

    return build


def _with_macro(template: Workbook) -> bytes:
    source = zipfile.ZipFile(BytesIO(as_bytes(template)))
    return _zip({**{name: source.read(name) for name in source.namelist()}, "xl/vbaProject.bin": b"\x00" * 64})


def _header(template):
    template["成果指標"]["H3"] = "実績"


def _moved_columns(template):
    template["成果指標"].insert_cols(5)


def _formula(template):
    put(template, "成果指標", PERCENT, "実績値", "=80+5")


def _merged(template):
    template["評価・課題"].merge_cells("F4:G4")


def _tampered(template):
    template["_meta"]["B8"] = template["_meta"]["B8"].value[:-2] + "xx"


def _no_identity(template):
    del template["_meta"]


def _added_row(template):
    ws = template["成果指標"]
    ws.cell(ws.max_row + 1, column(ws, "実績値")).value = 10


def _bad_number(template):
    put(template, "成果指標", PERCENT, "実績値", "たくさん")


def _negative(template):
    put(template, "成果指標", COUNT, "実績値", "－５")


def _unknown_choice(template):
    put(template, "取組の進捗", PERCENT, "進捗", "ほぼ完了")


def _a_date(template):
    put(template, "成果指標", COUNT, "実績値", datetime.datetime(2022, 1, 2))


BAD_FILES = {
    "not a workbook": (
        lambda t: "施策No,実績\nII-④-ア-01,85\n".encode(),
        "Excelブック（.xlsx）として読めないファイルです。",
    ),
    "a zip but not a workbook": (
        lambda t: _zip({"readme.txt": b"hello"}),
        "Excelブック（.xlsx）として読めないファイルです。",
    ),
    "an old .xls": (lambda t: _ole("Workbook", "SummaryInformation"), "古い形式（.xls）のファイルは読み込めません。"),
    "password-protected": (
        lambda t: _ole("EncryptionInfo", "EncryptedPackage"),
        "パスワードで保護（暗号化）されたファイルは読み込めません。",
    ),
    "a macro workbook": (_with_macro, "マクロを含むブックは受け付けません。"),
    "edited header": (
        _edit(_header),
        "「成果指標」シート 3行目 H列（実績値）：見出しが「実績値」ではなく「実績」になっています。",
    ),
    "moved columns": (
        _edit(_moved_columns),
        "「成果指標」シート 3行目 E列（種類）：見出しが「種類」ではなく「」になっています。",
    ),
    "a formula in an input cell": (_edit(_formula), "H列（実績値）：数式は使えません。値を直接入力してください。"),
    "merged cells": (_edit(_merged), "「評価・課題」シート F4:G4：セルが結合されています。結合を解除してください。"),
    "edited identity": (_edit(_tampered), "テンプレートの識別情報が壊れているか、書き換えられています。"),
    "no identity": (_edit(_no_identity), "このシステムからダウンロードしたテンプレートではありません。"),
    "an added row": (
        _edit(_added_row),
        "行目：テンプレートにない行です（行の追加・コピーや識別番号の変更はできません）。",
    ),
    "not a number": (_edit(_bad_number), "H列（実績値）：「たくさん」は数値として読めません。"),
    "a negative number": (_edit(_negative), "H列（実績値）：マイナスの値は入力できません。"),
    "a date": (_edit(_a_date), "H列（実績値）：日付・時刻として入力されています。"),
    "not on the list": (
        _edit(_unknown_choice),
        "E列（進捗）：「ほぼ完了」は選べません。未着手・実施中・完了・遅延 のどれかを選んでください。",
    ),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_a_bad_file_gets_a_clear_message_and_changes_nothing(client_for, case):
    build, message = BAD_FILES[case]
    client = client_for("staff")
    data = build(download(client))
    before = written()
    response = upload(client, data)
    assert response.status_code == 400
    page = response.content.decode()
    assert 'role="alert"' in page
    assert message in page, page[page.find("error-summary") :][:1500]
    assert "何も保存していません" in page
    assert written() == before
    assert SESSION_KEY not in client.session


def test_cell_messages_name_the_sheet_row_and_column(client_for):
    client = client_for("staff")
    workbook = download(client)
    _bad_number(workbook)
    row = row_of(workbook["成果指標"], PERCENT)
    response = upload(client, workbook)
    assert (
        f"「成果指標」シート {row}行目 H列（実績値）：「たくさん」は数値として読めません。" in response.content.decode()
    )


def test_a_template_of_another_year_is_refused(client_for):
    client = client_for("staff")
    before = written()
    response = upload(client, fill(download(client, year=2021)), year=YEAR)
    assert response.status_code == 400
    assert "このファイルは令和3年度 (2021)のテンプレートです。" in response.content.decode()
    assert written() == before


def test_a_template_of_another_section_is_refused(client_for):
    data = as_bytes(download(client_for("other_staff")))
    before = written()
    response = upload(client_for("staff"), data)
    assert response.status_code == 400
    assert "別の所属（国際文化観光局 国際観光課）のテンプレートです。" in response.content.decode()
    assert written() == before


def test_a_file_over_the_limit_is_refused_before_it_is_read(client_for, monkeypatch):
    def never(*args, **kwargs):
        raise AssertionError("an oversized file must not be parsed")

    monkeypatch.setattr(imports_sheets, "load_workbook", never)
    monkeypatch.setattr(imports_read, "container_check", never)
    response = upload(client_for("staff"), b"PK\x03\x04" + b"\x00" * (5 * 1024 * 1024))
    assert response.status_code == 400
    assert (
        "ファイルが大きすぎます（5.0 MB）。5 MB 以下のファイルをアップロードしてください。" in response.content.decode()
    )


def test_the_reader_collects_every_problem_at_once(personas, plan, client_for):
    workbook = download(client_for("staff"))
    _bad_number(workbook)
    _negative(workbook)
    _unknown_choice(workbook)
    with pytest.raises(UploadError) as raised:
        template_upload_read(
            user=personas["staff"],
            plan_year=plan_year(plan),
            upload=SimpleUploadedFile("t.xlsx", as_bytes(workbook)),
        )
    assert len(raised.value.messages) == 3


def test_a_text_too_long_for_a_cell_is_marked_and_round_trips_as_unchanged(client_for, plan):
    """A text saved before forms limited lengths, longer than Excel's 32,767 characters: the
    template carries it cut, says so, and the upload does not take the cut copy for a change."""
    long_text = "長い取組実績の文章。" * 4_000  # 40,000 characters
    Submission.objects.create(
        measure=measure(PERCENT), plan_year=plan_year(plan), status="draft", achievements_text=long_text
    )
    client = client_for("staff")
    workbook = download(client)
    ws = workbook["評価・課題"]
    cell = ws.cell(row=row_of(ws, PERCENT), column=column(ws, "取組実績"))
    assert len(cell.value) == 32_767
    assert cell.value.endswith("以下省略。全40,000字）")
    response = upload(client, workbook)
    assert response.context["preview"].changes == []
    assert Submission.objects.get(measure=measure(PERCENT)).achievements_text == long_text


def test_the_instructions_print_a_plain_percent_sign(client_for):
    lines = [row[0] for row in download(client_for("staff"))["説明"].iter_rows(values_only=True) if row[0]]
    assert any("％も使えます" in line for line in lines)
    assert not any("%%" in line for line in lines)


def test_the_preview_shows_each_changed_values_warnings_and_resulting_rate_and_grade(client_for):
    client = client_for("staff")
    workbook = download(client)
    put(workbook, "成果指標", COUNT, "実績値", "12,345")  # 12,345 themes against 100
    put(workbook, "成果指標", PERCENT, "実績値", "85")
    response = upload(client, workbook)
    changes = {c.code: c for c in response.context["preview"].changes if c.what.endswith("実績値")}
    assert changes[COUNT].result == "12345.0% A"
    assert len(changes[COUNT].warnings) == 1 and "目標値 100 から大きく離れています" in changes[COUNT].warnings[0]
    assert changes[PERCENT].result == "106.3% A" and changes[PERCENT].warnings == ()
    page = response.content.decode()
    assert "確認：目標値 100 から大きく離れています" in page and "達成率・評価：12345.0% A" in page
