"""Uploads that cannot exhaust the server: the department template is inspected as a stream
(zip entries, unpacked bytes, rows, cells, shared strings) before openpyxl loads anything.
Time and memory are bounded generously here (the figures are in docs/workbook.md): what is
asserted is that the file is refused, with what message, and that nothing was loaded or
written."""

from __future__ import annotations

import time
import tracemalloc
import zipfile
from io import BytesIO

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from benchmarks.hostile_uploads import lying_zip_bomb, padded_template, unpacked_ratio, zip_bomb
from pdca.workbook.imports import UploadError, container, template_upload_read
from pdca.workbook.imports import sheets as imports_sheets
from pdca.workbook.imports.container import MAX_CELLS_PER_SHEET, MAX_ROWS_PER_SHEET, MAX_UPLOAD_BYTES
from tests.pdca.test_workbook_template import as_bytes, download, plan_year, upload, written

pytestmark = pytest.mark.django_db

TOO_MANY_CELLS = (
    f"ファイルのセルが多すぎます（{MAX_CELLS_PER_SHEET:,} まで）。"
    "ダウンロードしたテンプレートに入力したファイルをアップロードしてください。"
)
TOO_LARGE = "ファイルの中身が大きすぎます。ダウンロードしたテンプレートに入力したファイルをアップロードしてください。"
DAMAGED = "ファイルが壊れているため読み込めません。Excelで開けるか確認してください。"
# Generous bounds: the issue asks for 1 s and 50 MB of extra memory; a shared test machine
# gets five times the time. tracemalloc counts what Python allocates, zlib's buffers included.
SECONDS = 5
EXTRA_BYTES = 50 * 1024 * 1024


@pytest.fixture
def template(client_for):
    return as_bytes(download(client_for("staff")))


@pytest.fixture
def never_loaded(monkeypatch):
    def never(*args, **kwargs):
        raise AssertionError("a refused file must not be loaded")

    monkeypatch.setattr(imports_sheets, "load_workbook", never)


def refused(user, plan, data: bytes) -> tuple[list[str], float, int]:
    """Read an upload as the view does; the messages, the seconds and the peak extra bytes."""
    upload_file = SimpleUploadedFile("t.xlsx", data)
    tracemalloc.start()
    try:
        started = time.perf_counter()
        with pytest.raises(UploadError) as raised:
            template_upload_read(user=user, plan_year=plan_year(plan), upload=upload_file)
        seconds = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return raised.value.messages, seconds, peak


def test_a_template_padded_with_a_million_cells_is_refused_before_it_is_loaded(personas, plan, template, never_loaded):
    padded = padded_template(template)
    assert len(padded) < MAX_UPLOAD_BYTES  # it passes the size check
    assert unpacked_ratio(padded) * len(padded) < container.MAX_UNPACKED_BYTES  # and the unpacked-size check

    messages, seconds, peak = refused(personas["staff"], plan, padded)

    assert messages == [TOO_MANY_CELLS]
    assert seconds < SECONDS and peak < EXTRA_BYTES, (seconds, peak)


@pytest.mark.parametrize("bomb", [zip_bomb, lying_zip_bomb], ids=["true sizes", "lying sizes"])
def test_a_zip_bomb_is_refused_without_unpacking_it(personas, plan, template, never_loaded, bomb):
    data = bomb(template)
    assert len(data) < MAX_UPLOAD_BYTES

    messages, seconds, peak = refused(personas["staff"], plan, data)

    assert messages == [TOO_LARGE if bomb is zip_bomb else DAMAGED]
    assert seconds < SECONDS and peak < EXTRA_BYTES, (seconds, peak)


def test_the_padded_template_is_refused_on_the_upload_page_and_nothing_is_written(client_for, template):
    client = client_for("staff")
    before = written()
    response = upload(client, padded_template(template))
    assert response.status_code == 400
    assert TOO_MANY_CELLS in response.content.decode()
    assert written() == before


def _with_part(template: bytes, name: str, content: bytes) -> bytes:
    output = BytesIO()
    with zipfile.ZipFile(BytesIO(template)) as source, zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            target.writestr(entry.filename, content if entry.filename == name else source.read(entry))
        if name not in source.namelist():
            target.writestr(name, content)
    return output.getvalue()


def _sheet(template: bytes) -> tuple[str, bytes]:
    with zipfile.ZipFile(BytesIO(template)) as archive:
        name = "xl/worksheets/sheet2.xml"
        return name, archive.read(name)


def test_a_row_far_below_the_table_is_refused_before_it_is_loaded(personas, plan, template, never_loaded):
    name, sheet = _sheet(template)
    far = f'<row r="{MAX_ROWS_PER_SHEET + 10}"><c r="A{MAX_ROWS_PER_SHEET + 10}"/></row>'.encode()
    data = _with_part(template, name, sheet.replace(b"</sheetData>", far + b"</sheetData>", 1))
    messages, _seconds, _peak = refused(personas["staff"], plan, data)
    assert messages == [
        f"ファイルの行が多すぎます（{MAX_ROWS_PER_SHEET:,} まで）。"
        "ダウンロードしたテンプレートに入力したファイルをアップロードしてください。"
    ]


def test_too_many_shared_strings_are_refused(personas, plan, template, never_loaded):
    strings = b"<si><t>x</t></si>" * (container.MAX_SHARED_STRINGS + 1)
    part = (
        b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/'
        b'spreadsheetml/2006/main">' + strings + b"</sst>"
    )
    messages, _seconds, _peak = refused(personas["staff"], plan, _with_part(template, "xl/sharedStrings.xml", part))
    assert len(messages) == 1 and messages[0].startswith("ファイルの")


def test_cells_with_a_namespace_prefix_are_counted_too(personas, plan, template, never_loaded):
    name, _sheet_xml = _sheet(template)
    cells = b"<x:c/>" * (MAX_CELLS_PER_SHEET + 1)
    part = (
        b'<?xml version="1.0"?><x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<x:sheetData><x:row r="1">' + cells + b"</x:row></x:sheetData></x:worksheet>"
    )
    messages, _seconds, _peak = refused(personas["staff"], plan, _with_part(template, name, part))
    assert messages == [TOO_MANY_CELLS]


def test_a_part_declaring_a_document_type_is_refused(personas, plan, template, never_loaded):
    name, sheet = _sheet(template)
    laughs = b'<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
    declaration_end = sheet.index(b"<worksheet")
    data = _with_part(template, name, sheet[:declaration_end] + laughs + sheet[declaration_end:])
    messages, _seconds, _peak = refused(personas["staff"], plan, data)
    assert messages == [DAMAGED]


def test_a_zip_of_too_many_entries_is_refused_before_its_directory_is_read(personas, plan, template, never_loaded):
    output = BytesIO()
    with zipfile.ZipFile(BytesIO(template)) as source, zipfile.ZipFile(output, "w") as target:
        for entry in source.infolist():
            target.writestr(entry.filename, source.read(entry))
        for number in range(container.MAX_ENTRIES):
            target.writestr(f"xl/extra/{number}.bin", b"")
    messages, _seconds, _peak = refused(personas["staff"], plan, output.getvalue())
    assert messages == [TOO_LARGE]


def test_an_ordinary_template_passes_the_inspection(personas, plan, template):
    container.container_check(template)  # no error: the template of record is far inside every limit


def test_uploads_over_the_memory_limit_go_to_a_temporary_file_not_memory():
    assert settings.FILE_UPLOAD_MAX_MEMORY_SIZE < MAX_UPLOAD_BYTES
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE < MAX_UPLOAD_BYTES
