"""The uploaded file as a whole, checked before any of it is loaded: type, encryption,
macros, and its size as a stream (zip entries, unpacked bytes, markup, rows, cells and
shared strings), so that a file which would take openpyxl seconds and hundreds of
megabytes to load is refused after reading only what it takes to know.

openpyxl builds an object for every cell it loads: a template padded with a million empty
cells unpacks to under 50 MB yet would need gigabytes. Here the parts are decompressed a
chunk at a time and never kept; the markup ("<") of each part is counted on the bytes
before a parser sees them, which bounds the parsing, and the sheets and shared strings are
then parsed with expat, counting rows, cells and strings against the limits below.
"""

from __future__ import annotations

import struct
import zipfile
from dataclasses import dataclass
from io import BytesIO
from xml.parsers import expat

from django.utils.translation import gettext as _

from pdca.workbook.imports.values import UploadError
from pdca.workbook.template import FIRST_DATA_ROW, LAYOUTS

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
# A 5 MB xlsx can unpack to gigabytes (a "zip bomb"); the real templates unpack to well under 1 MB.
MAX_UNPACKED_BYTES = 50 * 1024 * 1024
# Data rows a sheet may have: the headquarters' template of a plan of over 1,500 measures,
# twenty times the plan of record.
MAX_ROWS_PER_SHEET = 5_000
MAX_ROW_NUMBER = FIRST_DATA_ROW + MAX_ROWS_PER_SHEET
# Every accepted row as wide as the widest sheet, and one column more (the reader reports
# input beside the table).
MAX_CELLS_PER_SHEET = MAX_ROW_NUMBER * (max(len(layout.columns) for layout in LAYOUTS) + 1)
MAX_SHARED_STRINGS = MAX_CELLS_PER_SHEET * len(LAYOUTS)
# Markup a part may hold: a cell with a value is four tags (<c><v></v></c>), a row two.
MAX_TAGS_PER_PART = 4 * MAX_CELLS_PER_SHEET + 2 * MAX_ROW_NUMBER
MAX_TAGS = 2 * MAX_TAGS_PER_PART
# A template has about twenty parts; Excel adds a few.
MAX_ENTRIES = 200
CHUNK_BYTES = 256 * 1024
# Only the methods Excel writes; zipfile's others (bzip2, lzma) choose their own memory.
COMPRESSION_METHODS = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED}
# The end-of-central-directory record: signature, then the count of entries at offset 10.
XML_BYTE_ORDER_MARKS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")
END_OF_DIRECTORY = b"PK\x05\x06"
END_OF_DIRECTORY_SIZE = 22
MAX_ZIP_COMMENT = 0xFFFF
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
    # zipfile builds an object per entry of the directory: count them first.
    if _entry_count(data) > MAX_ENTRIES:
        raise _too_large()
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
        raise _too_large()
    if any(entry.compress_type not in COMPRESSION_METHODS for entry in entries):
        raise _not_xlsx()
    _parts_inspect(archive, entries)


def _too_large() -> UploadError:
    return UploadError(
        [_("ファイルの中身が大きすぎます。ダウンロードしたテンプレートに入力したファイルをアップロードしてください。")]
    )


def _too_many(what: str, limit: int) -> UploadError:
    return UploadError(
        [
            _(
                "ファイルの%(what)sが多すぎます（%(limit)s まで）。ダウンロードしたテンプレートに入力したファイルを"
                "アップロードしてください。"
            )
            % {"what": what, "limit": f"{limit:,}"}
        ]
    )


def _damaged() -> UploadError:
    return UploadError([_("ファイルが壊れているため読み込めません。Excelで開けるか確認してください。")])


def _entry_count(data: bytes) -> int:
    """The number of entries the zip's directory declares, read from its last record (a
    zip64 archive, which a template never is, counts as too many)."""
    tail = data[-(END_OF_DIRECTORY_SIZE + MAX_ZIP_COMMENT) :]
    at = tail.rfind(END_OF_DIRECTORY)
    if at < 0 or len(tail) - at < END_OF_DIRECTORY_SIZE:
        raise _not_xlsx()
    (count,) = struct.unpack_from("<H", tail, at + 10)
    return MAX_ENTRIES + 1 if count == 0xFFFF else count


@dataclass
class _Counts:
    """What the parser has met in one part."""

    rows: int = 0
    cells: int = 0
    strings: int = 0
    max_row: int = 0


def _parts_inspect(archive: zipfile.ZipFile, entries: list[zipfile.ZipInfo]) -> None:
    """Decompress every part a chunk at a time, counting what openpyxl would load."""
    unpacked = tags = 0
    for entry in entries:
        # Any part may be a sheet (the workbook's relationships name them, whatever their
        # names), so every part that reads as XML is counted; images and printer settings
        # are only unpacked.
        is_xml = None
        parser, counts = _counting_parser()
        part_tags = 0
        try:
            with archive.open(entry) as part:
                while chunk := part.read(CHUNK_BYTES):
                    unpacked += len(chunk)
                    if unpacked > MAX_UNPACKED_BYTES:
                        raise _too_large()
                    if is_xml is None:
                        is_xml = chunk.lstrip().startswith((b"<", *XML_BYTE_ORDER_MARKS))
                    if not is_xml:
                        continue
                    part_tags += chunk.count(b"<")
                    tags += chunk.count(b"<")
                    if part_tags > MAX_TAGS_PER_PART or tags > MAX_TAGS:
                        raise _too_many(_("セル"), MAX_CELLS_PER_SHEET)
                    parser.Parse(chunk, False)
                    _counts_check(counts)
                if is_xml:
                    parser.Parse(b"", True)
                    _counts_check(counts)
        except (zipfile.BadZipFile, EOFError, OSError, expat.ExpatError) as error:
            raise _damaged() from error


def _counting_parser() -> tuple[expat.XMLParserType, _Counts]:
    """An expat parser that counts rows, cells and shared strings by local name (a part may
    give its elements a namespace prefix) and the highest row number it is told of, and
    refuses a document type: no template declares one, and entities could multiply text."""
    counts = _Counts()
    parser = expat.ParserCreate()
    parser.ordered_attributes = True

    def start(name: str, attributes: list[str]) -> None:
        local = name.rpartition(":")[2]
        if local == "c":
            counts.cells += 1
        elif local == "row":
            counts.rows += 1
            for key, value in zip(attributes[::2], attributes[1::2], strict=True):
                if key == "r" and value.isdigit():
                    counts.max_row = max(counts.max_row, int(value) if len(value) < 10 else MAX_ROW_NUMBER + 1)
        elif local == "si":
            counts.strings += 1

    def doctype(*args) -> None:
        raise _damaged()

    parser.StartElementHandler = start
    parser.StartDoctypeDeclHandler = doctype
    return parser, counts


def _counts_check(counts: _Counts) -> None:
    if counts.cells > MAX_CELLS_PER_SHEET:
        raise _too_many(_("セル"), MAX_CELLS_PER_SHEET)
    if counts.rows > MAX_ROW_NUMBER or counts.max_row > MAX_ROW_NUMBER:
        raise _too_many(_("行"), MAX_ROWS_PER_SHEET)
    if counts.strings > MAX_SHARED_STRINGS:
        raise _too_many(_("文字列"), MAX_SHARED_STRINGS)
