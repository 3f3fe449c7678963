"""The English catalogue is complete: every message marked in the code and templates has an
English translation, none fuzzy, and the catalogue in the repository is the one
`makemessages` makes from today's code (so a newly marked message cannot slip by)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation

from core.fiscal_year import full_label, reiwa_label, reiwa_short

ROOT = Path(settings.BASE_DIR)
CATALOGUE = ROOT / "locale" / "en" / "LC_MESSAGES" / "django.po"
# What makemessages reads: the project's code and templates, not the tests, tools or venv.
IGNORED = [".venv", ".git", "tests", "benchmarks", "docs", "locale", "staticfiles", "node_modules"]
MAKEMESSAGES = ["makemessages", "-l", "en", "--no-location", "--no-obsolete", *(f"--ignore={i}" for i in IGNORED)]


@pytest.fixture(scope="module")
def made_catalogue(tmp_path_factory) -> polib.POFile:
    """The catalogue makemessages makes from a copy of today's code, merged with ours."""
    copy = tmp_path_factory.mktemp("source") / "project"
    skipped = shutil.ignore_patterns(".venv", ".git", "locale", "staticfiles", "__pycache__", "*.sqlite3")
    shutil.copytree(ROOT, copy, ignore=skipped, symlinks=True)
    (copy / "locale" / "en" / "LC_MESSAGES").mkdir(parents=True)
    shutil.copy(CATALOGUE, copy / "locale" / "en" / "LC_MESSAGES" / "django.po")
    made = subprocess.run(
        [sys.executable, "manage.py", *MAKEMESSAGES],
        cwd=copy,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "DJANGO_DEBUG": "1", "DJANGO_SETTINGS_MODULE": "kanagawa_ict.settings"},
    )
    assert made.returncode == 0, made.stderr
    return polib.pofile(str(copy / "locale" / "en" / "LC_MESSAGES" / "django.po"))


def test_every_marked_message_is_in_the_catalogue(made_catalogue):
    ours = {(e.msgctxt, e.msgid) for e in polib.pofile(str(CATALOGUE)) if not e.obsolete}
    missing = sorted(e.msgid for e in made_catalogue if not e.obsolete and (e.msgctxt, e.msgid) not in ours)
    assert missing == [], f"run `manage.py {' '.join(MAKEMESSAGES)}` and translate: {missing[:20]}"


def test_every_message_has_an_english_translation_and_none_is_fuzzy():
    catalogue = polib.pofile(str(CATALOGUE))
    untranslated = [e.msgid for e in catalogue.untranslated_entries()]
    fuzzy = [e.msgid for e in catalogue.fuzzy_entries()]
    assert untranslated == [], f"{len(untranslated)} untranslated, e.g. {untranslated[:10]}"
    assert fuzzy == [], f"{len(fuzzy)} fuzzy, e.g. {fuzzy[:10]}"


@pytest.mark.parametrize(
    ("language", "full", "reiwa", "short"),
    [("ja", "令和3年度 (2021)", "令和3年度", "R3"), ("en", "FY2021", "FY2021", "FY2021")],
)
def test_fiscal_years_read_in_the_active_language(language, full, reiwa, short):
    with translation.override(language):
        assert (full_label(2021), reiwa_label(2021), reiwa_short(2021)) == (full, reiwa, short)
    with translation.override("ja"):
        assert reiwa_label(2019) == "令和元年度"


def test_the_language_link_sets_the_cookie_and_returns_to_the_page_without_javascript():
    client = Client()
    response = client.get("/language/en/?next=/public/")
    assert response.status_code == 302
    assert response["Location"] == "/public/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"


def test_the_language_link_refuses_an_unknown_language_and_a_foreign_next_address():
    client = Client()
    assert client.get("/language/xx/?next=/").status_code == 404
    response = client.get("/language/ja/?next=https://evil.example/")
    assert response["Location"] == "/"


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/public/", "/public/data/"])
def test_the_public_site_honours_accept_language(path):
    english = Client(HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9,ja;q=0.5").get(path)
    japanese = Client(HTTP_ACCEPT_LANGUAGE="ja").get(path)
    assert '<html lang="en"' in english.content.decode() and '<html lang="ja"' in japanese.content.decode()
    assert english["Content-Language"] == "en" and japanese["Content-Language"] == "ja"
    assert "Accept-Language" in english["Vary"]  # so a cache in front keeps the two apart


@pytest.mark.django_db
def test_the_api_answers_its_errors_in_the_language_asked_for():
    english = Client(HTTP_ACCEPT_LANGUAGE="en").get("/api/v1/measures/NO-SUCH/")
    japanese = Client(HTTP_ACCEPT_LANGUAGE="ja").get("/api/v1/measures/NO-SUCH/")
    assert english.status_code == japanese.status_code == 404
    assert english["Content-Language"] == "en" and japanese["Content-Language"] == "ja"
    assert english.json() != japanese.json()


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["ja", "en"])
def test_the_switcher_names_each_language_in_itself(language):
    html = Client(HTTP_ACCEPT_LANGUAGE=language).get("/public/").content.decode()
    assert 'lang="ja" hreflang="ja">日本語</a>' in html or 'lang="ja">日本語</span>' in html
    assert 'lang="en" hreflang="en">English</a>' in html or 'lang="en">English</span>' in html
