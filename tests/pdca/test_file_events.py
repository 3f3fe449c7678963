"""Every meeting-workbook download and template download, upload and save is recorded (who,
when, year, file, outcome), and headquarters reads the record."""

from __future__ import annotations

import pytest
from django.urls import reverse

from pdca.models import FileEvent, FileEventKind
from tests.pdca.test_workbook_export import YEAR as REPORTED_YEAR
from tests.pdca.test_workbook_export import reported  # noqa: F401 (a fixture)
from tests.pdca.test_workbook_template import YEAR, confirm, download, fill, upload

pytestmark = pytest.mark.django_db


def test_a_meeting_workbook_download_is_recorded(client_for, personas, reported):  # noqa: F811
    response = client_for("viewer").get(reverse("workbook_download"), {"year": REPORTED_YEAR})
    assert response.status_code == 200
    b"".join(response.streaming_content)
    event = FileEvent.objects.get()
    assert (event.kind, event.user, event.fiscal_year) == (
        FileEventKind.MEETING_WORKBOOK,
        personas["viewer"],
        REPORTED_YEAR,
    )
    assert event.file_name.endswith(".xlsx")


def test_template_download_upload_and_save_are_each_recorded(client_for, personas):
    client = client_for("staff")
    workbook = fill(download(client))
    preview = upload(client, workbook, name="総務局_入力済み.xlsx")
    assert confirm(client, preview).status_code == 302
    events = list(FileEvent.objects.order_by("at", "pk").values_list("kind", "user", "fiscal_year", "file_name"))
    staff = personas["staff"].pk
    assert [e[:3] for e in events] == [
        (FileEventKind.TEMPLATE_DOWNLOAD, staff, YEAR),
        (FileEventKind.TEMPLATE_UPLOAD, staff, YEAR),
        (FileEventKind.TEMPLATE_SAVE, staff, YEAR),
    ]
    assert events[1][3] == "総務局_入力済み.xlsx"


def test_a_refused_upload_is_recorded_with_its_outcome(client_for):
    client = client_for("staff")
    response = upload(client, b"not a workbook", name="壊れた.xlsx")
    assert response.status_code == 400
    event = FileEvent.objects.get()
    assert event.kind == FileEventKind.TEMPLATE_UPLOAD and event.file_name == "壊れた.xlsx"
    assert event.outcome.startswith("受付不可")


def test_headquarters_reads_the_record_by_year(client_for, reported):  # noqa: F811
    client_for("viewer").get(reverse("workbook_download"), {"year": REPORTED_YEAR})
    client_for("staff").get(reverse("workbook_template"), {"year": YEAR})
    page = client_for("hq").get(reverse("file_events"), {"year": REPORTED_YEAR}).content.decode()
    assert "p-viewer" in page and "会議資料（Excel）のダウンロード" in page
    assert page.count("<tr>") == 2  # the header and one event


@pytest.mark.parametrize("persona", ["staff", "other_staff", "viewer", "anonymous"])
def test_only_headquarters_reads_the_record(client_for, persona):
    response = client_for(persona).get(reverse("file_events"))
    assert response.status_code == (302 if persona == "anonymous" else 403)
