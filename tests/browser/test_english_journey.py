"""The main journey in English, in a real browser: the clerk switches the language with the
page's own link (no JavaScript needed), enters and submits a value, headquarters approves,
and the dashboard counts it. axe-core checks every page on the way."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_journeys import assert_accessible, browser, page, people  # noqa: F401 (fixtures)
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(tab: Page, username: str) -> None:
    tab.goto("/accounts/login/")
    tab.get_by_label(re.compile("user ?name", re.I)).fill(username)
    tab.get_by_label("Password").fill(PASSWORD)
    tab.get_by_role("button", name="Sign in").click()


def test_in_english_a_clerk_submits_headquarters_approves_and_the_dashboard_counts_it(page, people):  # noqa: F811
    page.goto("/accounts/login/")
    page.get_by_role("link", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert_accessible(page)

    sign_in(page, "b-staff")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Enter actuals")
    assert_accessible(page)
    page.get_by_role("link", name=re.compile(r"Enter.*II-④-ア-01")).click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#id_achievements_text-counter")).to_have_text(re.compile(r"^0 / [\d,]+ characters$"))
    assert_accessible(page)
    page.get_by_label("Actual value").fill("85%")
    for label, option in [("Progress", "Done"), ("Grade (self-assessment)", "On track")]:
        for select in page.get_by_label(label, exact=True).all():
            select.select_option(label=option)
    page.get_by_label("Results").fill("Four training sessions were held.")
    page.get_by_label("Issues (Check)").fill("Attendance came mostly from a few sections.")
    page.get_by_label(re.compile(r"^Next steps")).fill("More online sessions.")
    page.get_by_role("button", name="Save and submit").click()
    expect(page.get_by_role("status")).to_contain_text("Submitted II-④-ア-01")
    expect(page.locator("tr", has_text="II-④-ア-01")).to_contain_text("Submitted")
    assert_accessible(page)
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, "b-hq")
    page.goto("/measures/II-④-ア-01/?year=2022")
    assert_accessible(page)
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_role("status")).to_contain_text("Approved.")
    expect(page.locator(".workflow .status")).to_have_text("Approved")

    page.goto("/dashboard/?year=2022")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_contain_text("FY2022")
    table = page.locator("table", has_text="Grade distribution (measures)")
    expect(table.locator("tbody td").first).to_have_text("1")
    assert_accessible(page)
