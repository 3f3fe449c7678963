"""Department templates built to exhaust the server, for the tests and for
`manage.py upload_limits`: a sheet padded with small cells that still zips to under 5 MB,
and zip bombs, honest and lying about their sizes."""

from __future__ import annotations

import struct
import zipfile
from io import BytesIO

from openpyxl.utils import get_column_letter

PADDED_CELLS = 1_700_000
CELLS_PER_ROW = 85  # 20,000 rows: the most the reader used to accept
BOMB_BYTES = 100 * 1024 * 1024  # twice the unpacked limit


def _largest_sheet(archive: zipfile.ZipFile) -> str:
    sheets = [e for e in archive.infolist() if e.filename.startswith("xl/worksheets/sheet")]
    return max(sheets, key=lambda e: e.file_size).filename


def _rewritten(template: bytes, name: str, content: bytes) -> bytes:
    """The template with one part's content replaced, every other part copied as it is."""
    output = BytesIO()
    with zipfile.ZipFile(BytesIO(template)) as source, zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            data = content if entry.filename == name else source.read(entry)
            target.writestr(entry.filename, data)
    return output.getvalue()


def padded_template(template: bytes, *, cells: int = PADDED_CELLS) -> bytes:
    """The template with its largest sheet padded with `cells` empty styled cells after its
    own rows, as Excel writes formatted cells (<c r="B12" s="1"/>)."""
    with zipfile.ZipFile(BytesIO(template)) as archive:
        name = _largest_sheet(archive)
        sheet = archive.read(name)
    letters = [get_column_letter(column).encode() for column in range(1, CELLS_PER_ROW + 1)]
    first_row = sheet.count(b"<row") + 1
    rows = []
    for offset in range(-(-cells // CELLS_PER_ROW)):
        number = b"%d" % (first_row + offset)
        width = min(CELLS_PER_ROW, cells - offset * CELLS_PER_ROW)
        rows.append(
            b'<row r="'
            + number
            + b'">'
            + b"".join(b'<c r="' + letter + number + b'" s="1"/>' for letter in letters[:width])
            + b"</row>"
        )
    if b"<sheetData/>" in sheet:
        sheet = sheet.replace(b"<sheetData/>", b"<sheetData>" + b"".join(rows) + b"</sheetData>", 1)
    else:
        sheet = sheet.replace(b"</sheetData>", b"".join(rows) + b"</sheetData>", 1)
    return _rewritten(template, name, sheet)


def zip_bomb(template: bytes, *, size: int = BOMB_BYTES) -> bytes:
    """The template with its largest sheet followed by `size` bytes of blank space inside the
    sheet data (valid XML), a thousand to one when deflated; the sizes are declared truly."""
    with zipfile.ZipFile(BytesIO(template)) as archive:
        name = _largest_sheet(archive)
        sheet = archive.read(name)
    head, tail = sheet.split(b"</sheetData>", 1) if b"</sheetData>" in sheet else (sheet, b"")
    output = BytesIO()
    with zipfile.ZipFile(BytesIO(template)) as source, zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            if entry.filename != name:
                target.writestr(entry.filename, source.read(entry))
                continue
            info = zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            with target.open(info, "w") as part:
                part.write(head)
                blank = b" " * (1024 * 1024)
                for _ in range(size // len(blank)):
                    part.write(blank)
                part.write(b"</sheetData>" + tail)
    return output.getvalue()


def lying_zip_bomb(template: bytes, *, size: int = BOMB_BYTES) -> bytes:
    """The zip bomb with its headers claiming that the padded sheet unpacks to 1 KB."""
    data = bytearray(zip_bomb(template, size=size))
    with zipfile.ZipFile(BytesIO(bytes(data))) as archive:
        local_header = max(archive.infolist(), key=lambda e: e.file_size).header_offset
    claimed = 1024
    # The uncompressed size: at offset 22 of the local header, 24 of its directory entry.
    struct.pack_into("<I", data, local_header + 22, claimed)
    at = 0
    while (at := data.find(b"PK\x01\x02", at)) >= 0:
        if struct.unpack_from("<I", data, at + 42)[0] == local_header:
            struct.pack_into("<I", data, at + 24, claimed)
            break
        at += 46 + struct.unpack_from("<H", data, at + 28)[0]
    return bytes(data)


def unpacked_ratio(data: bytes) -> float:
    """What the parts of a zip declare they unpack to, per byte of the file."""
    with zipfile.ZipFile(BytesIO(data)) as archive:
        return sum(e.file_size for e in archive.infolist()) / len(data)
