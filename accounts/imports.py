"""The April rotation: the year's assignments from a CSV file (ユーザーID, 氏名, メール, 役割,
局, 所属), one line per user and section (a user in two sections has two lines), read and
checked whole before anything is written. Every problem is reported with its line number."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from accounts.services import AccountData
from measures.models import Section
from pdca.models import Role

HEADER = ["ユーザーID", "氏名", "メール", "役割", "局", "所属"]
MAX_LINES = 5000
# What the 役割 column may say: the role's name as the app shows it, a short form, or its code.
ROLE_WORDS = {
    **{str(label): value for value, label in Role.choices},
    "所属担当者": Role.STAFF,
    "担当者": Role.STAFF,
    "本部事務局": Role.HQ,
    "本部": Role.HQ,
    "閲覧者": Role.VIEWER,
    **{value: value for value in Role.values},
}


class ImportRefused(Exception):
    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class ImportLine:
    """One account as the file gives it, and what will happen to it."""

    account: AccountData
    action: str  # 新規 / 変更 / 変更なし

    @property
    def role_label(self) -> str:
        return Role(self.account.role).label


def _decode(raw: bytes) -> str:
    """UTF-8 (with or without BOM), or Shift_JIS as Excel saves a CSV in Japanese Windows."""
    for encoding in ("utf-8-sig", "cp932"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportRefused([_("文字コードを読み取れません。UTF-8 または Shift_JIS の CSV にしてください。")])


def assignments_read(raw: bytes) -> list[ImportLine]:
    """Check the whole file; ImportRefused lists every problem by line number."""
    rows = list(csv.reader(io.StringIO(_decode(raw))))
    if not rows or [cell.strip() for cell in rows[0]] != HEADER:
        raise ImportRefused([_("1行目は見出し（%(header)s）にしてください。") % {"header": ", ".join(HEADER)}])
    if len(rows) > MAX_LINES + 1:
        raise ImportRefused([_("行が多すぎます（%(max)d行まで）。") % {"max": MAX_LINES}])
    sections = {(s.bureau.name, s.name): s for s in Section.objects.select_related("bureau")}
    problems: list[str] = []
    accounts: dict[str, dict] = {}
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(HEADER):
            problems.append(
                _("%(line)d行目：列の数が%(count)dではありません。") % {"line": number, "count": len(HEADER)}
            )
            continue
        username, full_name, email, role_word, bureau, section_name = (cell.strip() for cell in row)
        line_problems = []
        if not username or len(username) > 150:
            line_problems.append(_("ユーザーIDを150文字以内で入力してください。"))
        if not full_name or len(full_name) > 150:
            line_problems.append(_("氏名を150文字以内で入力してください。"))
        if email:
            try:
                validate_email(email)
            except ValidationError:
                line_problems.append(_("メール「%(email)s」の形式が正しくありません。") % {"email": email})
        role = ROLE_WORDS.get(role_word)
        if role is None:
            line_problems.append(
                _("役割「%(role)s」がわかりません（所属担当者・本部事務局・閲覧者のいずれか）。") % {"role": role_word}
            )
        section = None
        if bureau or section_name:
            section = sections.get((bureau, section_name))
            if section is None:
                line_problems.append(
                    _("局・所属「%(bureau)s %(section)s」がありません。") % {"bureau": bureau, "section": section_name}
                )
        elif role == Role.STAFF:
            line_problems.append(_("所属担当者には局・所属が必要です。"))
        previous = accounts.get(username)
        if previous and (previous["full_name"], previous["email"], previous["role"]) != (full_name, email, role):
            line_problems.append(
                _("ユーザーID「%(username)s」の氏名・メール・役割が%(first)d行目と違います。")
                % {"username": username, "first": previous["line"]}
            )
        if line_problems:
            problems += [_("%(line)d行目：%(problem)s") % {"line": number, "problem": p} for p in line_problems]
            continue
        entry = previous or accounts.setdefault(
            username, {"line": number, "full_name": full_name, "email": email, "role": role, "sections": []}
        )
        if section is not None and section not in entry["sections"]:
            entry["sections"].append(section)
    if problems:
        raise ImportRefused(problems)
    if not accounts:
        raise ImportRefused([_("取り込む行がありません。")])
    return _lines(accounts)


def _lines(accounts: dict[str, dict]) -> list[ImportLine]:
    existing = {u.username: u for u in User.objects.filter(username__in=accounts).select_related("profile")}
    lines = []
    for username, entry in accounts.items():
        data = AccountData(username, entry["full_name"], entry["email"], entry["role"], tuple(entry["sections"]))
        user = existing.get(username)
        if user is None:
            action = _("新規")
        else:
            profile = getattr(user, "profile", None)
            same = (
                profile is not None
                and (user.get_full_name(), user.email, profile.role) == (data.full_name, data.email, data.role)
                and set(profile.sections.values_list("pk", flat=True)) == {s.pk for s in data.sections}
            )
            action = _("変更なし") if same else _("変更")
        lines.append(ImportLine(data, action))
    return lines
