"""Reading a filled-in department template back, and saving it.

Two steps, so that nothing is written before the clerk has seen what will change:

1. `template_upload_read` checks the file as a whole (size before anything else, then
   type, encryption, the signed identity of the template, its year and sections, sheet
   names, headers and merged cells) and then every input cell (numbers through
   `core.numbers.parse_decimal`, like the entry form). It compares the file with what is
   saved now and returns an `UploadPreview`: the measures whose values differ and every
   changed cell, old → new. Measures whose values are unchanged are left out, so the same
   file uploaded twice changes nothing. Problems are collected, not stopped at, and raised
   together as one `UploadError` whose messages name the sheet, row and column in Japanese.
2. `template_upload_apply` saves the previewed measures in one transaction, each through
   `pdca.services.entry_save` after asking `pdca.rights`, exactly as the entry form does.
   Any refusal or conflict undoes the whole upload.

Between the steps the preview is kept as plain parsed data in the server-side session
(`UploadPreview.as_session_data`), never as a file on disk; a digest of the uploaded file
ties the confirmation to the preview the clerk saw.
"""

from __future__ import annotations

import datetime
import hashlib
import warnings
import zipfile
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from io import BytesIO

from django.core import signing
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.cell import Cell
from openpyxl.utils import get_column_letter

from core.fiscal_year import full_label
from core.numbers import ValueParseError, format_decimal, parse_decimal
from indicators.models import Indicator, MilestoneStatus
from measures.models import Measure, PlanYear, ScheduleItem, Section
from pdca import rights
from pdca.models import ProgressStatus, SelfAssessment, Submission
from pdca.services import ConflictError, Entry, IndicatorEntry, ProgressEntry, entry_save
from pdca.workbook.selectors import MeasureState, entry_states
from pdca.workbook.template import (
    ALL_SECTIONS,
    FIRST_DATA_ROW,
    FORMAT_VERSION,
    HEADER_ROW,
    LAYOUTS,
    META_SHEET,
    NOTE_MAX_LENGTH,
    SIGNATURE_CELL,
    SIGNING_SALT,
    SheetLayout,
)

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
# A 5 MB xlsx can unpack to gigabytes (a "zip bomb"); the real templates unpack to well under 1 MB.
MAX_UNPACKED_BYTES = 50 * 1024 * 1024
MAX_ROWS_PER_SHEET = 20_000
ZIP_MAGIC = b"PK\x03\x04"
# Excel saves a password-protected workbook as an OLE compound file holding an
# "EncryptedPackage" stream; an old .xls is an OLE compound file too.
OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")
TEXT_KEYS = ("achievements_text", "self_assessment", "issues_text", "next_steps_text")


class UploadError(Exception):
    """The upload cannot be used; `messages` are the Japanese lines to show (nothing was written)."""

    def __init__(self, messages: list[str]):
        self.messages = messages
        super().__init__("\n".join(messages))


# --- what an upload says --------------------------------------------------------------------


@dataclass
class IndicatorInput:
    indicator_id: int
    value: Decimal | None
    milestone_status: str
    description: str


@dataclass
class ProgressInput:
    item_id: int
    status: str
    note: str


@dataclass
class MeasureUpdate:
    """Everything to save for one measure: the file's rows, and the texts (from the file, or
    as saved when the file has no row for them). `version` is the submission's version when
    previewed, so that a save in between is caught by entry_save."""

    measure_id: int
    code: str
    version: int
    indicators: list[IndicatorInput] = field(default_factory=list)
    progress: list[ProgressInput] = field(default_factory=list)
    texts: dict[str, str] = field(default_factory=dict)


@dataclass
class Change:
    code: str
    where: str
    what: str
    old: str
    new: str


@dataclass
class UploadPreview:
    fiscal_year: int
    digest: str
    filename: str
    updates: list[MeasureUpdate]
    changes: list[Change]

    def as_session_data(self) -> dict:
        """JSON-safe: decimals become strings."""
        data = asdict(self)
        for update in data["updates"]:
            for item in update["indicators"]:
                item["value"] = None if item["value"] is None else str(item["value"])
        return data

    @classmethod
    def from_session_data(cls, data: dict) -> UploadPreview:
        updates = []
        for raw in data["updates"]:
            indicators = [
                IndicatorInput(
                    item["indicator_id"],
                    None if item["value"] is None else Decimal(item["value"]),
                    item["milestone_status"],
                    item["description"],
                )
                for item in raw["indicators"]
            ]
            progress = [ProgressInput(**item) for item in raw["progress"]]
            updates.append(
                MeasureUpdate(raw["measure_id"], raw["code"], raw["version"], indicators, progress, raw["texts"])
            )
        changes = [Change(**change) for change in data["changes"]]
        return cls(data["fiscal_year"], data["digest"], data["filename"], updates, changes)


# --- step 1: read and compare ----------------------------------------------------------------


def template_upload_read(*, user, plan_year: PlanYear, upload) -> UploadPreview:
    """Check an uploaded template and compare it with what is saved; nothing is written.

    `upload` is a Django UploadedFile (or any file with `size`, `name` and `read`).
    Raises UploadError with every problem found."""
    if upload.size > MAX_UPLOAD_BYTES:
        raise UploadError(
            [
                _("ファイルが大きすぎます（%(size).1f MB）。%(limit)d MB 以下のファイルをアップロードしてください。")
                % {"size": upload.size / 1024 / 1024, "limit": MAX_UPLOAD_BYTES // 1024 // 1024}
            ]
        )
    if upload.size == 0:
        raise UploadError([_("ファイルが空です。")])
    data = upload.read(MAX_UPLOAD_BYTES + 1)
    _check_container(data)
    workbook = _open(data)
    _check_identity(workbook, user=user, plan_year=plan_year)
    reader = _SheetReader(workbook)
    rows = reader.read()
    if reader.errors:
        raise UploadError(reader.errors)
    updates, changes, errors = _compare(rows, entry_states(user=user, plan_year=plan_year), user)
    if errors:
        raise UploadError(errors)
    return UploadPreview(
        fiscal_year=plan_year.fiscal_year,
        digest=hashlib.sha256(data).hexdigest(),
        filename=str(getattr(upload, "name", "") or "")[:200],
        updates=updates,
        changes=changes,
    )


def _not_xlsx() -> UploadError:
    return UploadError(
        [
            _(
                "Excelブック（.xlsx）として読めないファイルです。ダウンロードしたテンプレートに入力し、"
                "Excelブック（.xlsx）形式のまま保存してアップロードしてください。"
            )
        ]
    )


def _check_container(data: bytes) -> None:
    """The file must be an unencrypted, macro-free xlsx of a sane unpacked size."""
    if data.startswith(OLE_MAGIC):
        if ENCRYPTED_STREAM in data:
            raise UploadError(
                [
                    _(
                        "パスワードで保護（暗号化）されたファイルは読み込めません。Excelでパスワードを解除して"
                        "保存し直してから、アップロードしてください。"
                    )
                ]
            )
        raise UploadError(
            [
                _(
                    "古い形式（.xls）のファイルは読み込めません。Excelで「Excel ブック (*.xlsx)」として保存し直してください。"
                )
            ]
        )
    if not data.startswith(ZIP_MAGIC):
        raise _not_xlsx()
    try:
        archive = zipfile.ZipFile(BytesIO(data))
        entries = archive.infolist()
    except (zipfile.BadZipFile, OSError) as error:
        raise _not_xlsx() from error
    names = {entry.filename for entry in entries}
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise _not_xlsx()
    if any(entry.flag_bits & 0x1 for entry in entries):
        raise UploadError([_("パスワードで保護（暗号化）されたファイルは読み込めません。")])
    if any(name.lower().endswith("vbaproject.bin") for name in names):
        raise UploadError(
            [_("マクロを含むブックは受け付けません。テンプレートを「Excel ブック (*.xlsx)」として保存してください。")]
        )
    if sum(entry.file_size for entry in entries) > MAX_UNPACKED_BYTES:
        raise UploadError(
            [
                _(
                    "ファイルの中身が大きすぎます。ダウンロードしたテンプレートに入力したファイルをアップロードしてください。"
                )
            ]
        )


def _open(data: bytes):
    try:
        with warnings.catch_warnings():
            # openpyxl warns about Excel extensions it drops (e.g. newer data validation); reading needs none of them.
            warnings.simplefilter("ignore")
            return load_workbook(BytesIO(data), data_only=False, keep_links=False, rich_text=False)
    except Exception as error:  # openpyxl raises many kinds for a damaged file
        raise UploadError([_("ファイルが壊れているため読み込めません。Excelで開けるか確認してください。")]) from error


def _check_identity(workbook, *, user, plan_year: PlanYear) -> None:
    """The hidden, signed identity: format version, plan, year and sections must match."""
    if META_SHEET not in workbook.sheetnames:
        raise UploadError(
            [
                _(
                    "このシステムからダウンロードしたテンプレートではありません。テンプレートをダウンロードして入力してください。"
                )
            ]
        )
    try:
        identity = signing.loads(str(workbook[META_SHEET][SIGNATURE_CELL].value or ""), salt=SIGNING_SALT)
    except signing.BadSignature as error:
        raise UploadError(
            [
                _(
                    "テンプレートの識別情報が壊れているか、書き換えられています。テンプレートをダウンロードし直してください。"
                )
            ]
        ) from error
    if identity.get("format") != FORMAT_VERSION:
        raise UploadError([_("古い書式のテンプレートです。テンプレートをダウンロードし直してください。")])
    if identity.get("plan") != plan_year.plan.code:
        raise UploadError([_("別の計画のテンプレートです。この計画のテンプレートをダウンロードしてください。")])
    if identity.get("fiscal_year") != plan_year.fiscal_year:
        raise UploadError(
            [
                _(
                    "このファイルは%(file_year)sのテンプレートです。%(year)sの実績は、%(year)sのテンプレートを"
                    "ダウンロードして入力してください。"
                )
                % {
                    "file_year": full_label(int(identity.get("fiscal_year") or 0)),
                    "year": full_label(plan_year.fiscal_year),
                }
            ]
        )
    sections = identity.get("sections")
    if rights.is_hq(user):
        return
    own = set(rights.user_sections(user).values_list("pk", flat=True))
    if sections == ALL_SECTIONS or not isinstance(sections, list) or not set(sections) <= own:
        names = (
            _("本部事務局用")
            if sections == ALL_SECTIONS
            else "、".join(str(s) for s in Section.objects.filter(pk__in=sections or []).select_related("bureau"))
        )
        raise UploadError(
            [
                _(
                    "別の所属（%(sections)s）のテンプレートです。ご自分の所属のテンプレートをダウンロードして入力してください。"
                )
                % {"sections": names}
            ]
        )


@dataclass
class _Row:
    """One data row of a sheet, as typed: the cells by column key."""

    layout: SheetLayout
    number: int
    cells: dict[str, Cell]

    def where(self, key: str) -> str:
        return f"{self.layout.title}!{self.layout.letter_of(key)}{self.number}"


class _SheetReader:
    """Walks the three data sheets; collects every layout and cell problem in `errors`."""

    def __init__(self, workbook):
        self.workbook = workbook
        self.errors: list[str] = []

    def error(self, layout: SheetLayout, row: int, column: int | None, message: str) -> None:
        self.errors.append(cell_message(layout, row, column, message))

    def read(self) -> dict[str, list[_Row]]:
        return {layout.key: list(self._rows(layout)) for layout in LAYOUTS}

    def _rows(self, layout: SheetLayout) -> Iterator[_Row]:
        title = str(layout.title)
        if title not in self.workbook.sheetnames:
            self.errors.append(
                _("シート「%(sheet)s」がありません。シート名の変更や削除はできません。") % {"sheet": title}
            )
            return
        ws = self.workbook[title]
        for merged in ws.merged_cells.ranges:
            self.errors.append(
                _("「%(sheet)s」シート %(range)s：セルが結合されています。結合を解除してください。")
                % {"sheet": title, "range": merged.coord}
            )
        if not self._headers_match(ws, layout) or ws.merged_cells.ranges:
            return
        if ws.max_row > FIRST_DATA_ROW + MAX_ROWS_PER_SHEET:
            self.errors.append(_("「%(sheet)s」シートの行数が多すぎます。") % {"sheet": title})
            return
        width = len(layout.columns)
        for number, cells in enumerate(
            ws.iter_rows(min_row=FIRST_DATA_ROW, max_row=ws.max_row, max_col=width + 1), start=FIRST_DATA_ROW
        ):
            if all(_blank(cell.value) for cell in cells):
                continue
            if not _blank(cells[width].value):
                self.error(layout, number, width + 1, _("表の外に入力されています。"))
            formulas = [cell for cell in cells[:width] if cell.data_type == "f"]
            for cell in formulas:
                self.error(layout, number, cell.column, _("数式は使えません。値を直接入力してください。"))
            if formulas:
                continue
            row_id = cells[0].value
            if not isinstance(row_id, int) or isinstance(row_id, bool):
                self.error(
                    layout,
                    number,
                    None,
                    _("テンプレートにない行です（行の追加・コピーや識別番号の変更はできません）。"),
                )
                continue
            yield _Row(layout, number, {column.key: cell for column, cell in zip(layout.columns, cells, strict=False)})

    def _headers_match(self, ws, layout: SheetLayout) -> bool:
        matched = True
        for index, column in enumerate(layout.columns, start=1):
            found = ws.cell(row=HEADER_ROW, column=index).value
            if str(found or "").strip() != str(column.label):
                matched = False
                self.error(
                    layout,
                    HEADER_ROW,
                    index,
                    _(
                        "見出しが「%(expected)s」ではなく「%(found)s」になっています。列の追加・削除・移動や"
                        "見出しの変更はできません。"
                    )
                    % {"expected": column.label, "found": found if found is not None else ""},
                )
        extra = ws.cell(row=HEADER_ROW, column=len(layout.columns) + 1).value
        if not _blank(extra):
            matched = False
            self.error(layout, HEADER_ROW, len(layout.columns) + 1, _("列が追加されています。列の追加はできません。"))
        return matched


def cell_message(layout: SheetLayout, row: int, column: int | None, message: str) -> str:
    """「成果指標」シート 5行目 H列（実績値）：… — where a problem is, as the clerk sees it in Excel."""
    place = {"sheet": layout.title, "row": row, "message": message}
    if column is None:
        return _("「%(sheet)s」シート %(row)d行目：%(message)s") % place
    label = layout.columns[column - 1].label if column <= len(layout.columns) else _("表の外")
    return _("「%(sheet)s」シート %(row)d行目 %(letter)s列（%(label)s）：%(message)s") % {
        **place,
        "letter": get_column_letter(column),
        "label": label,
    }


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def cell_decimal(cell: Cell) -> Decimal | None:
    """A number cell as the entry form would read it: Excel numbers as they are (a cell shown
    as 85% holds 0.85 and means 85), text through core.numbers.parse_decimal (１０，０００, 80%)."""
    value = cell.value
    if isinstance(value, bool):
        raise ValueParseError(_("数値を入力してください。"))
    if isinstance(value, datetime.date | datetime.time | datetime.timedelta):
        raise ValueParseError(
            _(
                "日付・時刻として入力されています。数値を入力してください（セルの表示形式が日付になっていないか確認してください）。"
            )
        )
    if isinstance(value, int | float):
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        if "%" in (cell.number_format or ""):
            number *= 100
        value = format(number.normalize(), "f")
    return parse_decimal(None if value is None else str(value), required=False)


def cell_text(cell: Cell) -> str:
    """A text cell, with Excel's line breaks and surrounding spaces tidied like the web form does."""
    value = cell.value
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        value = value.isoformat()
    return str(value).replace("\r\n", "\n").replace("\r", "\n").strip()


def _choice(cell: Cell, choices) -> str:
    """A list cell: the label shown in Excel (or the stored value) → the stored value."""
    text = cell_text(cell)
    if not text:
        return ""
    by_label = {str(label): value for value, label in choices}
    by_label.update({value: value for value, _label in choices})
    if text in by_label:
        return by_label[text]
    raise ValueParseError(
        _("「%(text)s」は選べません。%(choices)s のどれかを選んでください。")
        % {"text": text[:40], "choices": "・".join(str(label) for _value, label in choices)}
    )


@dataclass
class _FileMeasure:
    """What the file says about one measure, before comparing."""

    indicators: dict[int, tuple[_Row, IndicatorInput]] = field(default_factory=dict)
    progress: dict[int, tuple[_Row, ProgressInput]] = field(default_factory=dict)
    texts: tuple[_Row, dict[str, str], int | None] | None = None


def _compare(
    rows: dict[str, list[_Row]], states: list[MeasureState], user
) -> tuple[list[MeasureUpdate], list[Change], list[str]]:
    """Read each row's values against the saved state; keep the measures that change."""
    errors: list[str] = []
    # Every row id → (its measure's state, the saved item); the texts sheet's rows are measures.
    owners = {
        "indicators": {i.indicator.pk: (state, i) for state in states for i in state.indicators},
        "progress": {p.item.pk: (state, p) for state in states for p in state.progress},
        "texts": {state.measure.pk: (state, None) for state in states},
    }
    files: dict[int, _FileMeasure] = {}

    def cell_error(row: _Row, key: str, message: str) -> None:
        errors.append(cell_message(row.layout, row.number, row.layout.column_of(key), message))

    def owned_rows(key: str) -> Iterator[tuple[_Row, MeasureState, object]]:
        """The sheet's rows that belong to this user's measures, each once and in place."""
        seen = set()
        for row in rows[key]:
            row_id = row.cells["id"].value
            owner = owners[key].get(row_id)
            if owner is None:
                errors.append(
                    cell_message(
                        row.layout,
                        row.number,
                        None,
                        _("担当する施策の行ではありません（テンプレートの行が変更されています）。"),
                    )
                )
            elif row_id in seen:
                errors.append(cell_message(row.layout, row.number, None, _("同じ行が重複しています。")))
            elif cell_text(row.cells["measure_code"]) != owner[0].measure.code:
                cell_error(row, "measure_code", _("施策Noが行と一致しません。行の並べ替えや施策Noの変更はできません。"))
            else:
                seen.add(row_id)
                yield row, owner[0], owner[1]

    for row, state, item in owned_rows("indicators"):
        parsed = _indicator_input(row, item.indicator, cell_error)
        if parsed is not None:
            files.setdefault(state.measure.pk, _FileMeasure()).indicators[item.indicator.pk] = (row, parsed)
    for row, state, item in owned_rows("progress"):
        parsed = _progress_input(row, item.item, cell_error)
        if parsed is not None:
            files.setdefault(state.measure.pk, _FileMeasure()).progress[item.item.pk] = (row, parsed)
    for row, state, _item in owned_rows("texts"):
        texts = {key: cell_text(row.cells[key]) for key in TEXT_KEYS}
        try:
            texts["self_assessment"] = _choice(row.cells["self_assessment"], SelfAssessment.choices)
        except ValueParseError as error:
            cell_error(row, "self_assessment", str(error))
            continue
        version = row.cells["version"].value
        files.setdefault(state.measure.pk, _FileMeasure()).texts = (
            row,
            texts,
            version if isinstance(version, int) else None,
        )
    if errors:
        return [], [], errors

    updates, changes = [], []
    for state in states:
        file = files.get(state.measure.pk)
        if file is None:
            continue
        update, measure_changes = _measure_update(state, file)
        if not measure_changes:
            continue
        if not state.decision:
            errors.append(
                _("%(code)s：%(reason)s（この施策の変更は保存できません）")
                % {"code": state.measure.code, "reason": state.decision.reason}
            )
            continue
        if _saved_by_someone_else_since_download(state, file, user):
            errors.append(
                _(
                    "%(code)s：テンプレートをダウンロードした後に、%(who)sさんがこの施策の報告を保存しています。"
                    "上書きしないよう、テンプレートをダウンロードし直して入力してください。"
                )
                % {"code": state.measure.code, "who": state.submission.updated_by or _("他の利用者")}
            )
            continue
        updates.append(update)
        changes.extend(measure_changes)
    return updates, changes, errors


def _saved_by_someone_else_since_download(state: MeasureState, file: _FileMeasure, user) -> bool:
    """The template remembers each report's version when it was downloaded. A newer save by
    another person would be silently overwritten by this older copy; a newer save by the
    clerk themselves (an earlier upload of the same file, say) is theirs to overwrite, and
    the preview shows what changes."""
    downloaded_version = file.texts[2] if file.texts else None
    if downloaded_version is None or downloaded_version == state.submission.version:
        return False
    return state.submission.updated_by_id != user.pk


def _indicator_input(row: _Row, indicator: Indicator, cell_error) -> IndicatorInput | None:
    value_cell, status_cell = row.cells["value"], row.cells["milestone_status"]
    description = cell_text(row.cells["description"])
    try:
        if indicator.is_milestone:
            if not _blank(value_cell.value):
                cell_error(row, "value", _("この指標は「達成状況」を選びます。実績値は入力できません。"))
                return None
            value, status = None, _choice(status_cell, MilestoneStatus.choices)
        else:
            if not _blank(status_cell.value):
                cell_error(row, "milestone_status", _("この指標は実績値を入力します。達成状況は選べません。"))
                return None
            value, status = cell_decimal(value_cell), ""
    except ValueParseError as error:
        cell_error(row, "milestone_status" if indicator.is_milestone else "value", str(error))
        return None
    if description and value is None and not status:
        key = "milestone_status" if indicator.is_milestone else "value"
        cell_error(row, key, _("実施内容だけは保存できません。実績を入力してください。"))
        return None
    return IndicatorInput(indicator.pk, value, status, description)


def _progress_input(row: _Row, item: ScheduleItem, cell_error) -> ProgressInput | None:
    try:
        status = _choice(row.cells["status"], ProgressStatus.choices)
    except ValueParseError as error:
        cell_error(row, "status", str(error))
        return None
    note = cell_text(row.cells["note"])
    if len(note) > NOTE_MAX_LENGTH:
        cell_error(row, "note", _("%(max)d文字以内で入力してください。") % {"max": NOTE_MAX_LENGTH})
        return None
    if note and not status:
        cell_error(row, "status", _("補足だけは保存できません。進捗を選んでください。"))
        return None
    return ProgressInput(item.pk, status, note)


def _measure_update(state: MeasureState, file: _FileMeasure) -> tuple[MeasureUpdate, list[Change]]:
    """The measure's entry as the file has it, and the cells that differ from what is saved."""
    code = state.measure.code
    update = MeasureUpdate(state.measure.pk, code, state.submission.version)
    changes: list[Change] = []
    milestone_labels = dict(MilestoneStatus.choices)
    progress_labels = dict(ProgressStatus.choices)
    for item in state.indicators:
        if item.indicator.pk not in file.indicators:
            continue
        row, new = file.indicators[item.indicator.pk]
        update.indicators.append(new)
        actual = item.actual
        old_value = actual.value if actual else None
        old_status = actual.milestone_status if actual else ""
        old_description = actual.description if actual else ""
        name = item.indicator.name
        unit = item.indicator.unit
        if old_value != new.value:
            changes.append(
                Change(
                    code,
                    row.where("value"),
                    _("%(name)s：実績値") % {"name": name},
                    _display(format_decimal(old_value, unit=unit)),
                    _display(format_decimal(new.value, unit=unit)),
                )
            )
        if old_status != new.milestone_status:
            changes.append(
                Change(
                    code,
                    row.where("milestone_status"),
                    _("%(name)s：達成状況") % {"name": name},
                    _display(milestone_labels.get(old_status, "")),
                    _display(milestone_labels.get(new.milestone_status, "")),
                )
            )
        if old_description != new.description:
            changes.append(
                Change(
                    code,
                    row.where("description"),
                    _("%(name)s：実施内容") % {"name": name},
                    _display(old_description),
                    _display(new.description),
                )
            )
    for item in state.progress:
        if item.item.pk not in file.progress:
            continue
        row, new = file.progress[item.item.pk]
        update.progress.append(new)
        old_status = item.progress.status if item.progress else ""
        old_note = item.progress.note if item.progress else ""
        if old_status != new.status:
            changes.append(
                Change(
                    code,
                    row.where("status"),
                    _("%(name)s：進捗") % {"name": item.item.name},
                    _display(progress_labels.get(old_status, "")),
                    _display(progress_labels.get(new.status, "")),
                )
            )
        if old_note != new.note:
            changes.append(
                Change(
                    code,
                    row.where("note"),
                    _("%(name)s：補足") % {"name": item.item.name},
                    _display(old_note),
                    _display(new.note),
                )
            )
    submission = state.submission
    saved = {key: getattr(submission, key) for key in TEXT_KEYS}
    update.texts = dict(saved)
    if file.texts is not None:
        row, texts, _version = file.texts
        update.texts = texts
        assessment_labels = dict(SelfAssessment.choices)
        for key in TEXT_KEYS:
            old, new = saved[key], texts[key]
            if old == new:
                continue
            if key == "self_assessment":
                old, new = assessment_labels.get(old, ""), assessment_labels.get(new, "")
            label = row.layout.columns[row.layout.column_of(key) - 1].label
            changes.append(Change(code, row.where(key), str(label), _display(old), _display(new)))
    return update, changes


def _display(text) -> str:
    text = str(text)
    return text if text else _("（空欄）")


# --- step 2: save ----------------------------------------------------------------------------


def template_upload_apply(*, user, plan_year: PlanYear, preview: UploadPreview) -> int:
    """Save a previewed upload: every measure through entry_save, in one transaction.

    Returns the number of measures saved. Raises UploadError (nothing written) when rights
    refuse a measure or someone saved one after the preview."""
    if preview.fiscal_year != plan_year.fiscal_year:
        raise UploadError([_("年度が一致しません。もう一度アップロードしてください。")])
    measure_ids = [update.measure_id for update in preview.updates]
    measures = Measure.objects.select_related("plan").in_bulk(measure_ids)
    indicators = Indicator.objects.select_related("measure__plan").in_bulk(
        [item.indicator_id for update in preview.updates for item in update.indicators]
    )
    items = ScheduleItem.objects.in_bulk([item.item_id for update in preview.updates for item in update.progress])
    submissions = {s.measure_id: s for s in Submission.objects.filter(measure_id__in=measure_ids, plan_year=plan_year)}
    with transaction.atomic():
        for update in preview.updates:
            measure = measures.get(update.measure_id)
            if measure is None or measure.plan_id != plan_year.plan_id:
                raise UploadError([_("%(code)s：施策が見つかりません。") % {"code": update.code}])
            decision = rights.may_edit(user, measure, plan_year, submissions.get(measure.pk))
            if not decision:
                raise UploadError([_("%(code)s：%(reason)s") % {"code": update.code, "reason": decision.reason}])
            entry = Entry(
                indicators=[
                    IndicatorEntry(indicators[i.indicator_id], i.value, i.milestone_status, i.description)
                    for i in update.indicators
                ],
                progress=[ProgressEntry(items[p.item_id], p.status, p.note) for p in update.progress],
                **update.texts,
            )
            try:
                entry_save(
                    user=user, measure=measure, plan_year=plan_year, entry=entry, expected_version=update.version
                )
            except ConflictError as error:
                raise UploadError(
                    [
                        _(
                            "%(code)s：確認の後に、%(who)sさんがこの報告を保存しました。何も保存していません。"
                            "もう一度アップロードして、変更内容を確認してください。"
                        )
                        % {"code": update.code, "who": error.current.updated_by or _("他の利用者")}
                    ]
                ) from error
            except PermissionDenied as error:
                raise UploadError([_("%(code)s：%(reason)s") % {"code": update.code, "reason": error}]) from error
    return len(preview.updates)
