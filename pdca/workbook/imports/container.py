"""The uploaded file as a whole, checked before any of it is loaded: type, encryption,
macros and unpacked size."""

from __future__ import annotations

import zipfile
from io import BytesIO

from django.utils.translation import gettext as _

from pdca.workbook.imports.values import UploadError

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
# A 5 MB xlsx can unpack to gigabytes (a "zip bomb"); the real templates unpack to well under 1 MB.
MAX_UNPACKED_BYTES = 50 * 1024 * 1024
MAX_ROWS_PER_SHEET = 20_000
ZIP_MAGIC = b"PK\x03\x04"
# Excel saves a password-protected workbook as an OLE compound file holding an
# "EncryptedPackage" stream; an old .xls is an OLE compound file too.
OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")


def _not_xlsx() -> UploadError:
    return UploadError(
        [
            _(
                "Excelブック（.xlsx）として読めないファイルです。ダウンロードしたテンプレートに入力し、"
                "Excelブック（.xlsx）形式のまま保存してアップロードしてください。"
            )
        ]
    )


def container_check(data: bytes) -> None:
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
