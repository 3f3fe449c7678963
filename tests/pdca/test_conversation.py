"""The conversation on a report: return comments, reopen reasons, notes and replies."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from pdca.models import Message, MessageKind, SubmissionStatus
from tests.pdca.test_entry import CODE, YEAR, _submit, entry_url, form_data, review_url

pytestmark = pytest.mark.django_db

MEASURE_URL = reverse("measure_detail", kwargs={"code": CODE}) + f"?year={YEAR}"
MESSAGE_URL = reverse("message_post", kwargs={"code": CODE, "fiscal_year": YEAR})


def _returned(client_for, comment="根拠資料を添付してください。"):
    submission = _submit(client_for)
    client_for("hq").post(review_url("return"), {"comment": comment})
    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.RETURNED
    return submission


def test_a_return_comment_stays_prominent_after_the_clerk_saves_a_draft(client_for):
    submission = _returned(client_for)
    client = client_for("staff")
    assert client.post(entry_url(), form_data(version=submission.version)).status_code == 302
    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.DRAFT
    page = client.get(entry_url()).content.decode()
    assert 'class="open-request"' in page and "根拠資料を添付してください。" in page
    worklist = client.get(reverse("worklist") + f"?year={YEAR}").content.decode()
    assert "差戻しへの対応が必要" in worklist and "根拠資料を添付してください。" in worklist


def test_the_request_is_answered_by_resubmitting(client_for):
    submission = _returned(client_for)
    client = client_for("staff")
    client.post(entry_url(), form_data(version=submission.version, submit="1"))
    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.SUBMITTED
    page = client_for("hq").get(MEASURE_URL).content.decode()
    assert 'class="open-request"' not in page
    assert "根拠資料を添付してください。" in page  # still in the thread
    worklist = client_for("staff").get(reverse("worklist") + f"?year={YEAR}").content.decode()
    assert "差戻しへの対応が必要" not in worklist


def test_a_reopen_reason_is_shown_to_the_clerk(client_for):
    _submit(client_for)
    client_for("hq").post(review_url("approve"), {"comment": ""})
    client_for("hq").post(review_url("reopen"), {"comment": "数値の誤りが判明したため"})
    page = client_for("staff").get(entry_url()).content.decode()
    assert "承認が取り消されました" in page and "数値の誤りが判明したため" in page


def test_the_clerk_replies_and_the_thread_shows_newest_first_with_who_and_when(client_for, personas):
    personas["staff"].first_name = "戦略 花子"
    personas["staff"].save()
    _returned(client_for)
    response = client_for("staff").post(MESSAGE_URL, {"text": "資料を添付しました。", "back": "entry"})
    assert response.status_code == 302 and response.url.startswith(entry_url())
    reply = Message.objects.get(kind=MessageKind.REPLY)
    assert reply.author == personas["staff"] and reply.submission.measure.code == CODE
    page = client_for("hq").get(MEASURE_URL).content.decode()
    thread = page[page.index('<ol class="thread">') :]
    assert thread.index("資料を添付しました。") < thread.index("根拠資料を添付してください。")
    # The page shows the local (Japanese) date, a day ahead of UTC from 15:00 UTC.
    assert "戦略 花子" in page and timezone.localtime(reply.at).strftime("%Y-%m-%d") in page


@pytest.mark.parametrize(
    ("persona", "status", "written", "sees_thread", "sees_form"),
    [
        ("staff", 302, True, True, True),
        ("hq", 302, True, True, True),
        ("viewer", 403, False, True, False),
        ("other_staff", 403, False, False, False),
        ("anonymous", 302, False, False, False),
    ],
)
def test_who_may_read_and_write_the_conversation(client_for, persona, status, written, sees_thread, sees_form):
    _returned(client_for)
    client = client_for(persona)
    response = client.post(MESSAGE_URL, {"text": "確認します。"})
    assert response.status_code == status
    if persona == "anonymous":
        assert "/accounts/login/" in response.url
    assert Message.objects.filter(text="確認します。").exists() == written
    page = client.get(MEASURE_URL).content.decode()
    assert ("根拠資料を添付してください。" in page) == sees_thread
    assert ('action="' + MESSAGE_URL + '"' in page) == sees_form


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("   ", "メッセージを入力してください。"),
        (
            "あ" * (Message.MAX_LENGTH + 1),
            f"メッセージは{Message.MAX_LENGTH}文字以内で入力してください（現在{Message.MAX_LENGTH + 1}文字）。",
        ),
    ],
)
def test_an_empty_or_over_long_message_is_refused_and_kept(client_for, text, message):
    _returned(client_for)
    client = client_for("staff")
    response = client.post(MESSAGE_URL, {"text": text, "back": "entry"}, follow=True)
    page = response.content.decode()
    assert message in page
    assert not Message.objects.filter(kind=MessageKind.REPLY).exists()
    if text.strip():
        assert text in page  # back in the form
    # Shown once: the next visit starts empty.
    assert text not in client.get(entry_url()).content.decode() or not text.strip()


def test_an_over_long_return_comment_is_refused_and_kept(client_for):
    submission = _submit(client_for)
    comment = "理由" * (Message.MAX_LENGTH // 2 + 1)
    page = client_for("hq").post(review_url("return"), {"comment": comment}, follow=True).content.decode()
    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.SUBMITTED
    assert f"{Message.MAX_LENGTH}文字以内" in page and comment in page
    assert not Message.objects.exists()
