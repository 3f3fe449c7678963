"""The file's rows against what is saved: the measures whose entries the file changes, and
each changed cell, old → new; nothing is written."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from core.numbers import ValueParseError, format_decimal, format_rate
from core.texts import text_too_long
from indicators import plausibility
from indicators.models import Actual, Indicator, MilestoneStatus
from indicators.selectors import plan_rules
from indicators.services import indicator_achievement_for
from measures.models import ScheduleItem
from pdca.models import ProgressStatus, SelfAssessment
from pdca.people import display_name
from pdca.workbook.cells import same_text
from pdca.workbook.imports.sheets import SheetRow, cell_choice, cell_decimal, cell_message, cell_text, is_blank
from pdca.workbook.imports.values import TEXT_KEYS, Change, IndicatorInput, MeasureUpdate, ProgressInput
from pdca.workbook.selectors import MeasureState


@dataclass(frozen=True)
class FileIndicator:
    """An indicator's row of the file and what it says."""

    row: SheetRow
    input: IndicatorInput


@dataclass(frozen=True)
class FileProgress:
    """A schedule row's row of the file and what it says."""

    row: SheetRow
    input: ProgressInput


@dataclass(frozen=True)
class FileTexts:
    """A measure's row on the texts sheet: its texts, and the report's version when the
    template was downloaded (None when the cell was emptied or altered)."""

    row: SheetRow
    texts: dict[str, str]
    downloaded_version: int | None


@dataclass
class FileMeasure:
    """What the file says about one measure, before comparing."""

    indicators: dict[int, FileIndicator] = field(default_factory=dict)
    progress: dict[int, FileProgress] = field(default_factory=dict)
    texts: FileTexts | None = None


@dataclass(frozen=True)
class RowOwner:
    """Whose a sheet's row is: the measure's saved state, and the saved indicator or schedule
    row (None on the texts sheet, whose rows are the measures themselves)."""

    state: MeasureState
    item: object


@dataclass
class Comparison:
    """The outcome of comparing: what to save and show, or the problems (then nothing else)."""

    updates: list[MeasureUpdate] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def uploads_compare(rows: dict[str, list[SheetRow]], states: list[MeasureState], user) -> Comparison:
    """Read each row's values against the saved state; keep the measures that change."""
    errors: list[str] = []
    # Every row id → its owner; the texts sheet's rows are measures.
    owners = {
        "indicators": {i.indicator.pk: RowOwner(state, i) for state in states for i in state.indicators},
        "progress": {p.item.pk: RowOwner(state, p) for state in states for p in state.progress},
        "texts": {state.measure.pk: RowOwner(state, None) for state in states},
    }
    files: dict[int, FileMeasure] = {}

    def cell_error(row: SheetRow, key: str, message: str) -> None:
        errors.append(cell_message(row.layout, row.number, row.layout.column_of(key), message))

    def owned_rows(key: str) -> Iterator[tuple[SheetRow, MeasureState, object]]:
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
            elif cell_text(row.cells["measure_code"]) != owner.state.measure.code:
                cell_error(row, "measure_code", _("施策Noが行と一致しません。行の並べ替えや施策Noの変更はできません。"))
            else:
                seen.add(row_id)
                yield row, owner.state, owner.item

    for row, state, item in owned_rows("indicators"):
        if _too_long(row, "description", item.actual.description if item.actual else "", cell_error):
            continue
        parsed = _indicator_input(row, item.indicator, cell_error)
        if parsed is not None:
            files.setdefault(state.measure.pk, FileMeasure()).indicators[item.indicator.pk] = FileIndicator(row, parsed)
    for row, state, item in owned_rows("progress"):
        if _too_long(row, "note", item.progress.note if item.progress else "", cell_error):
            continue
        parsed = _progress_input(row, item.item, cell_error)
        if parsed is not None:
            files.setdefault(state.measure.pk, FileMeasure()).progress[item.item.pk] = FileProgress(row, parsed)
    for row, state, _item in owned_rows("texts"):
        too_long = [key for key in TEXT_KEYS if _too_long(row, key, getattr(state.submission, key), cell_error)]
        if too_long:
            continue
        texts = {key: cell_text(row.cells[key]) for key in TEXT_KEYS}
        try:
            texts["self_assessment"] = cell_choice(row.cells["self_assessment"], SelfAssessment.choices)
        except ValueParseError as error:
            cell_error(row, "self_assessment", str(error))
            continue
        version = row.cells["version"].value
        files.setdefault(state.measure.pk, FileMeasure()).texts = FileTexts(
            row=row, texts=texts, downloaded_version=version if isinstance(version, int) else None
        )
    if errors:
        return Comparison(errors=errors)

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
                % {"code": state.measure.code, "who": display_name(state.submission.updated_by)}
            )
            continue
        updates.append(update)
        changes.extend(measure_changes)
    return Comparison(updates=updates, changes=changes, errors=errors)


def _too_long(row: SheetRow, key: str, saved: str, cell_error) -> bool:
    """A text over the one limit (core.texts) is refused with its cell, unless it is what is
    saved (a text kept from before the limit, which the template carries shortened)."""
    text = cell_text(row.cells[key])
    message = text_too_long(text)
    if message is None or same_text(saved, text):
        return False
    cell_error(row, key, message)
    return True


def _saved_by_someone_else_since_download(state: MeasureState, file: FileMeasure, user) -> bool:
    """The template remembers each report's version when it was downloaded. A newer save by
    another person would be silently overwritten by this older copy; a newer save by the
    clerk themselves (an earlier upload of the same file, say) is theirs to overwrite, and
    the preview shows what changes."""
    downloaded_version = file.texts.downloaded_version if file.texts else None
    if downloaded_version is None or downloaded_version == state.submission.version:
        return False
    return state.submission.updated_by_id != user.pk


def _indicator_input(row: SheetRow, indicator: Indicator, cell_error) -> IndicatorInput | None:
    value_cell, status_cell = row.cells["value"], row.cells["milestone_status"]
    description = cell_text(row.cells["description"])
    try:
        if indicator.is_milestone:
            if not is_blank(value_cell.value):
                cell_error(row, "value", _("この指標は「達成状況」を選びます。実績値は入力できません。"))
                return None
            value, status = None, cell_choice(status_cell, MilestoneStatus.choices)
        else:
            if not is_blank(status_cell.value):
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
    return IndicatorInput(indicator_id=indicator.pk, value=value, milestone_status=status, description=description)


def _progress_input(row: SheetRow, item: ScheduleItem, cell_error) -> ProgressInput | None:
    try:
        status = cell_choice(row.cells["status"], ProgressStatus.choices)
    except ValueParseError as error:
        cell_error(row, "status", str(error))
        return None
    note = cell_text(row.cells["note"])
    if note and not status:
        cell_error(row, "status", _("補足だけは保存できません。進捗を選んでください。"))
        return None
    return ProgressInput(item_id=item.pk, status=status, note=note)


def _measure_update(state: MeasureState, file: FileMeasure) -> tuple[MeasureUpdate, list[Change]]:
    """The measure's entry as the file has it, and the cells that differ from what is saved."""
    code = state.measure.code
    update = MeasureUpdate(measure_id=state.measure.pk, code=code, version=state.submission.version)
    changes: list[Change] = []
    milestone_labels = dict(MilestoneStatus.choices)
    progress_labels = dict(ProgressStatus.choices)
    for item in state.indicators:
        if item.indicator.pk not in file.indicators:
            continue
        entry = file.indicators[item.indicator.pk]
        row, new = entry.row, entry.input
        update.indicators.append(new)
        actual = item.actual
        old_value = actual.value if actual else None
        old_status = actual.milestone_status if actual else ""
        old_description = actual.description if actual else ""
        name = item.indicator.name
        unit = item.indicator.unit
        if old_value != new.value:
            warnings, result = _value_checks(state, item, new.value)
            changes.append(
                Change(
                    code=code,
                    where=row.where("value"),
                    what=_("%(name)s：実績値") % {"name": name},
                    old=_display(format_decimal(old_value, unit=unit)),
                    new=_display(format_decimal(new.value, unit=unit)),
                    warnings=warnings,
                    result=result,
                )
            )
        if old_status != new.milestone_status:
            changes.append(
                Change(
                    code=code,
                    where=row.where("milestone_status"),
                    what=_("%(name)s：達成状況") % {"name": name},
                    old=_display(milestone_labels.get(old_status, "")),
                    new=_display(milestone_labels.get(new.milestone_status, "")),
                )
            )
        if same_text(old_description, new.description):
            new.description = old_description  # a text the template had to shorten, unchanged
        else:
            changes.append(
                Change(
                    code=code,
                    where=row.where("description"),
                    what=_("%(name)s：実施内容") % {"name": name},
                    old=_display(old_description),
                    new=_display(new.description),
                )
            )
    for item in state.progress:
        if item.item.pk not in file.progress:
            continue
        entry = file.progress[item.item.pk]
        row, new = entry.row, entry.input
        update.progress.append(new)
        old_status = item.progress.status if item.progress else ""
        old_note = item.progress.note if item.progress else ""
        if old_status != new.status:
            changes.append(
                Change(
                    code=code,
                    where=row.where("status"),
                    what=_("%(name)s：進捗") % {"name": item.item.name},
                    old=_display(progress_labels.get(old_status, "")),
                    new=_display(progress_labels.get(new.status, "")),
                )
            )
        if same_text(old_note, new.note):
            new.note = old_note
        else:
            changes.append(
                Change(
                    code=code,
                    where=row.where("note"),
                    what=_("%(name)s：補足") % {"name": item.item.name},
                    old=_display(old_note),
                    new=_display(new.note),
                )
            )
    submission = state.submission
    saved = {key: getattr(submission, key) for key in TEXT_KEYS}
    update.texts = dict(saved)
    if file.texts is not None:
        row, texts = file.texts.row, file.texts.texts
        update.texts = texts
        assessment_labels = dict(SelfAssessment.choices)
        for key in TEXT_KEYS:
            old, new = saved[key], texts[key]
            if same_text(old, new):
                texts[key] = old  # a text the template had to shorten comes back unchanged
                continue
            if key == "self_assessment":
                old, new = assessment_labels.get(old, ""), assessment_labels.get(new, "")
            label = row.layout.columns[row.layout.column_of(key) - 1].label
            changes.append(
                Change(code=code, where=row.where(key), what=str(label), old=_display(old), new=_display(new))
            )
    return update, changes


def _display(text) -> str:
    text = str(text)
    return text if text else _("（空欄）")


def _value_checks(state: MeasureState, item, value) -> tuple[tuple[str, ...], str]:
    """The plausibility warnings of an uploaded value and the rate and grade it would get
    against the year's target (the same rules as the entry form; no query)."""
    if value is None:
        return (), ""
    indicator, target = item.indicator, item.target
    warnings = plausibility.warnings_for(
        value=value,
        kind=indicator.kind,
        unit=indicator.unit,
        cumulative=indicator.cumulative,
        target_value=target.value if target is not None else None,
        factor=state.measure.plan.plausibility_ratio,
    )
    outcome = indicator_achievement_for(indicator, target, Actual(value=value), plan_rules(state.measure.plan))
    result = f"{format_rate(outcome.raw_rate)} {outcome.grade}".strip() if outcome.grade else ""
    return tuple(w.message for w in warnings), result
