"""Step 1: check an uploaded template and compare it with what is saved (nothing is written)."""

from __future__ import annotations

import hashlib

from django.utils.translation import gettext as _

from measures.models import PlanYear
from pdca.workbook.imports.compare import uploads_compare
from pdca.workbook.imports.container import MAX_UPLOAD_BYTES, container_check
from pdca.workbook.imports.sheets import SheetReader, identity_check, workbook_open
from pdca.workbook.imports.values import UploadError, UploadPreview
from pdca.workbook.selectors import entry_states


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
    container_check(data)
    workbook = workbook_open(data)
    identity_check(workbook, user=user, plan_year=plan_year)
    reader = SheetReader(workbook)
    rows = reader.read()
    if reader.errors:
        raise UploadError(reader.errors)
    comparison = uploads_compare(rows, entry_states(user=user, plan_year=plan_year), user)
    if comparison.errors:
        raise UploadError(comparison.errors)
    return UploadPreview(
        fiscal_year=plan_year.fiscal_year,
        digest=hashlib.sha256(data).hexdigest(),
        filename=str(getattr(upload, "name", "") or "")[:200],
        updates=comparison.updates,
        changes=comparison.changes,
    )
