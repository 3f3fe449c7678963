"""The meeting workbook on paper: the FY2021 demo workbook converted to PDF by LibreOffice
headless, and checked from the PDF (docs/workbook.md states what a reader may expect)."""

from __future__ import annotations

import re
import shutil
import subprocess

import pdfplumber
import pytest

from measures.models import Plan
from pdca.demo import demo_accounts_create, demo_data_create
from pdca.workbook.exports import meeting_workbook_write

pytestmark = [pytest.mark.django_db, pytest.mark.render]

YEAR = 2021
# The FY2021 demo workbook's page count, as docs/workbook.md states it.
PAGES = range(55, 81)
SMALLEST_POINTS = 8


def _spaceless(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture
def rendered(plan: Plan, tmp_path) -> list[dict]:
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.fail("LibreOffice is needed: bin/test installs libreoffice-calc-nogui")
    demo_accounts_create()
    demo_data_create(plan)
    workbook = tmp_path / "meeting.xlsx"
    meeting_workbook_write(plan=plan, fiscal_year=YEAR, output=str(workbook))
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation=file://{tmp_path}/profile",  # a profile of its own: no clash
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(workbook),
        ],
        check=True,
        capture_output=True,
        timeout=240,
    )
    pages = []
    with pdfplumber.open(tmp_path / "meeting.pdf") as pdf:
        for page in pdf.pages:
            text = page.extract_text() or ""
            pages.append(
                {
                    "lines": text.splitlines(),
                    "text": text,
                    "smallest": min(char["size"] for char in page.chars),
                    "landscape": page.width > page.height,
                }
            )
    return pages


def test_the_demo_workbook_prints_legibly_completely_and_in_order(rendered, plan):
    assert len(rendered) in PAGES
    total = len(rendered)
    for number, page in enumerate(rendered, start=1):
        assert page["smallest"] >= SMALLEST_POINTS, (number, page["smallest"])
        # The page header, whole: demo marking, title with the year, the date it was made.
        header = page["lines"][0]
        assert header.startswith("デモデータ"), (number, header)
        assert plan.name in header and "令和3年度 (2021)" in header, (number, header)
        assert re.search(r"作成日 \d{4}-\d{2}-\d{2}$", header), (number, header)
        assert page["lines"][-1] == f"{number} / {total}", number  # the footer
    text = _spaceless("".join(page["text"] for page in rendered))
    for code, name in plan.measures.values_list("code", "name"):
        # The 施策別 block's title spans the page: the code and the whole name, unclipped.
        assert _spaceless(f"{code}{name}") in text, code
    # The cover first, in portrait, with its contents; the wide list in landscape.
    assert not rendered[0]["landscape"]
    assert "目次" in rendered[0]["text"]
    assert "デモデータ：" in rendered[0]["text"]
    assert any(page["landscape"] and "施策一覧" in page["lines"][0] for page in rendered)
