"""The inspection report read back from its PDF: pages, every measure, the smallest text, the
contents' page numbers, where each measure starts, and the figures against the selectors.
Rendered once for the module (WeasyPrint takes seconds), inside a transaction rolled back."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from decimal import Decimal
from io import BytesIO

import pdfplumber
import pytest
from django.core.cache import cache
from django.db import transaction
from django.urls import reverse

from core.numbers import format_rate
from indicators.models import MeasureResult
from measures.models import Plan
from pdca.demo import demo_accounts_create, demo_data_create
from pdca.models import ReportEdition, Submission
from pdca.report.pdf import report_pdf
from pdca.report.selectors import report_read
from tests.pdca.reporting import report_enter, strategy_load

# django_db as well, so that pytest-django runs these with the other database tests, before any
# transactional test flushes the plan the session loaded.
pytestmark = [pytest.mark.render, pytest.mark.django_db]

# docs/report.md: the real plan's yearly report runs to this many A4 pages.
PAGES = range(50, 91)
# The last fifth of an A4 page (842 pt high): no measure starts below this line.
LAST_FIFTH = 842 * 4 / 5


@dataclass
class Rendered:
    pdf: bytes
    pages: int
    codes: list[str]
    names: dict[str, str]
    expected_mean: Decimal | None
    expected_counts: dict[str, int]
    expected_unreported: int


@pytest.fixture(scope="module")
def rendered(django_db_setup, django_db_blocker) -> Rendered:
    """The real plan with its demo data (R3: some reports approved, some not), rendered for
    FY2021; the data is rolled back afterwards."""
    with django_db_blocker.unblock(), transaction.atomic():
        cache.clear()
        plan = Plan.objects.get(code="kanagawa-ict-2019")
        demo_accounts_create()
        demo_data_create(plan)
        report = report_read(plans=[plan], fiscal_year=2021)
        out = report_pdf(report)
        # A hand-written query on the approved basis, for the figures printed on the overview.
        approved = Submission.objects.filter(plan_year__fiscal_year=2021, status="approved", measure__plan=plan)
        graded = MeasureResult.objects.filter(
            plan_year__plan=plan,
            plan_year__fiscal_year=2021,
            outcome="graded",
            measure_id__in=approved.values("measure_id"),
        )
        rates = list(graded.values_list("rate", flat=True))
        counts = {code: graded.filter(grade=code).count() for code in "ABCD"}
        no_target = MeasureResult.objects.filter(
            plan_year__plan=plan, plan_year__fiscal_year=2021, outcome="no_target"
        ).count()
        measures = dict(plan.measures.order_by("order").values_list("code", "name"))
        result = Rendered(
            pdf=out.pdf,
            pages=out.pages,
            codes=list(measures),
            names=measures,
            expected_mean=(sum(rates) / len(rates)).quantize(Decimal("0.0001"), "ROUND_DOWN") if rates else None,
            expected_counts=counts,
            expected_unreported=len(measures) - len(rates) - no_target,
        )
        transaction.set_rollback(True)
    cache.clear()
    return result


@pytest.fixture(scope="module")
def pages_text(rendered) -> list[str]:
    with pdfplumber.open(BytesIO(rendered.pdf)) as pdf:
        return [page.extract_text() or "" for page in pdf.pages]


@pytest.fixture(scope="module")
def chars(rendered) -> list[list[dict]]:
    with pdfplumber.open(BytesIO(rendered.pdf)) as pdf:
        return [[{k: c[k] for k in ("text", "size", "top")} for c in page.chars] for page in pdf.pages]


def test_the_page_count_is_within_the_documented_range(rendered, pages_text):
    assert rendered.pages in PAGES
    assert len(pages_text) == rendered.pages
    assert pages_text[0].count("/") >= 1 and f"1 / {rendered.pages}" in pages_text[0]


def test_every_measure_code_is_present(rendered, pages_text):
    text = "\n".join(pages_text[3:])
    missing = [code for code in rendered.codes if code not in text]
    assert missing == []


def test_no_text_is_smaller_than_8_points(chars):
    smallest = min(c["size"] for page in chars for c in page)
    assert smallest >= 7.99  # 8 pt, as the PDF stores it (7.9995)


def _toc_entries(pages_text: list[str], codes: list[str]) -> dict[str, int]:
    pattern = re.compile(r"^(\S+) .*?\.{3,}\s*(\d+)$")
    entries = {}
    for text in pages_text[1:6]:
        for line in text.splitlines():
            match = pattern.match(line.strip())
            if match and match.group(1) in codes:
                entries[match.group(1)] = int(match.group(2))
    return entries


def test_the_contents_give_each_measures_page(rendered, pages_text):
    entries = _toc_entries(pages_text, rendered.codes)
    assert set(entries) == set(rendered.codes)
    for code, page in entries.items():
        heading = f"{code} {rendered.names[code]}"
        assert heading in pages_text[page - 1].replace("\n", " "), (code, page)
        first = next(n for n, text in enumerate(pages_text[3:], start=4) if heading in text.replace("\n", " "))
        assert first == page, (code, page, first)


def test_no_measure_starts_in_the_last_fifth_of_a_page(rendered, chars):
    starts = []
    for number, page in enumerate(chars, start=1):
        lines: dict[float, list[dict]] = {}
        for c in page:
            lines.setdefault(round(c["top"], 0), []).append(c)
        for top, line in lines.items():
            text = "".join(c["text"] for c in line)
            # A measure's heading is set at 12 pt; the code also appears at smaller sizes.
            if line[0]["size"] > 11.5 and any(
                text.startswith(code + " ") or text.startswith(code) for code in rendered.codes
            ):
                starts.append((number, top, text[:20]))
    assert len(starts) == len(rendered.codes)
    low = [start for start in starts if start[1] > LAST_FIFTH]
    assert low == []


def test_the_overview_prints_the_figures_of_the_approved_basis(rendered, pages_text):
    overview = next(text for text in pages_text if "評価の分布" in text and "平均達成率" in text)
    assert f"平均達成率 {format_rate(rendered.expected_mean)}" in overview
    counts = rendered.expected_counts
    row = " ".join(str(n) for n in [counts["A"], counts["B"], counts["C"], counts["D"], rendered.expected_unreported])
    assert row in overview
    assert "数値の基準：承認済のみ" in overview.replace("\n", "")


def test_the_cover_states_basis_data_date_and_version(pages_text):
    cover = pages_text[0]
    assert "承認済のみ" in cover
    assert "データの日付" in cover
    assert "プレビュー（未公表）" in cover


@pytest.mark.django_db
def test_a_published_edition_is_kept_exactly_and_publishing_again_makes_a_new_one(client_for, plan, personas):
    strategy = strategy_load()
    staff, hq = personas["staff"], personas["hq"]
    online = strategy.measures.get(code="S1-①-ア-01")
    report_enter(online, 2021, staff, values={"オンライン化した手続数（累計）": 90}, approve_by=hq)
    client = client_for("hq")
    response = client.post(reverse("report_publish") + f"?plan={strategy.code}", {"year": 2021})
    assert response.status_code == 302
    first = ReportEdition.objects.get(plan=strategy, fiscal_year=2021)
    assert first.number == 1
    assert first.published_by == hq
    assert first.sha256 == hashlib.sha256(bytes(first.pdf)).hexdigest()
    assert bytes(first.pdf).startswith(b"%PDF")
    kept = bytes(first.pdf)

    # A later change to the data (HQ reopens and the clerk changes the actual) leaves it as is.
    from pdca.services import submission_reopen

    submission_reopen(
        submission=Submission.objects.get(measure=online, plan_year__fiscal_year=2021), reviewer=hq, reason="修正"
    )
    report_enter(online, 2021, staff, values={"オンライン化した手続数（累計）": 40}, approve_by=hq)
    first.refresh_from_db()
    assert bytes(first.pdf) == kept

    # The public site links the latest edition, and a new edition renews its pages' version.
    public_home = reverse("opendata:home") + f"?plan={strategy.code}"
    home = client_for("anonymous").get(public_home)
    link = reverse("report_edition_latest", args=[strategy.code, 2021])
    assert f'href="{link}"' in home.content.decode() and "第1版" in home.content.decode()
    client = client_for("hq")
    client.post(reverse("report_publish") + f"?plan={strategy.code}", {"year": 2021})
    second = ReportEdition.objects.get(plan=strategy, fiscal_year=2021, number=2)
    again = client_for("anonymous").get(public_home)
    assert again["ETag"] != home["ETag"] and "第2版" in again.content.decode()
    assert second.sha256 != first.sha256
    # The public link serves the latest edition, and each edition by number, to anyone.
    public = client_for("anonymous")
    latest = public.get(reverse("report_edition_latest", args=[strategy.code, 2021]))
    assert latest.status_code == 200
    assert latest["Content-Type"] == "application/pdf"
    assert b"".join(latest) == bytes(second.pdf)
    assert b"".join(public.get(reverse("report_edition", args=[strategy.code, 2021, 1]))) == kept
    assert public.get(reverse("report_edition_latest", args=[strategy.code, 2022])).status_code == 404
    text = "".join(page.extract_text() for page in pdfplumber.open(BytesIO(bytes(second.pdf))).pages)
    assert "第2版" in text


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["hq", "viewer"])
def test_the_report_url_gives_the_pdf(client_for, plan, persona):
    strategy = strategy_load()
    response = client_for(persona).get(reverse("report") + f"?plan={strategy.code}&year=2022")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in pdfplumber.open(BytesIO(response.content)).pages)
    assert "計画期間の総括" in text and "S1-②-ア-02" in text
