"""Headquarters manages accounts in the app (create, change role and sections, disable, set a
password) and imports the year's assignments from a CSV, previewed and applied all or
nothing; every change is in the account record."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from accounts.models import AccountAction, AccountEvent
from pdca.models import Profile, Role
from tests.conftest import section

pytestmark = pytest.mark.django_db

STRONG = "Kanagawa-ict-2026-spring"


def _state():
    return (
        sorted(User.objects.values_list("username", "first_name", "email", "is_active", "password")),
        sorted(Profile.objects.values_list("user__username", "role", "must_change_password")),
        sorted(Profile.sections.through.objects.values_list("profile__user__username", "section_id")),
        AccountEvent.objects.count(),
    )


def _create(client, **overrides):
    data = {
        "username": "new-clerk",
        "full_name": "新任 太郎",
        "email": "taro@example.jp",
        "role": Role.STAFF,
        "sections": [section("総務局", "ICT・データ戦略課").pk],
        **overrides,
    }
    return client.post(reverse("user_create"), data)


def test_headquarters_creates_an_account_sets_its_first_password_and_the_clerk_must_change_it(client_for):
    hq = client_for("hq")
    response = _create(hq)
    user = User.objects.get(username="new-clerk")
    assert response.status_code == 302 and response["Location"] == reverse("user_edit", args=[user.pk])
    assert not user.has_usable_password()
    assert user.profile.role == Role.STAFF and list(user.profile.sections.values_list("name", flat=True)) == [
        "ICT・データ戦略課"
    ]
    weak = hq.post(reverse("user_password", args=[user.pk]), {"password1": "password", "password2": "password"})
    assert weak.status_code == 400 and "このパスワードは一般的すぎます" in weak.content.decode()
    assert (
        hq.post(reverse("user_password", args=[user.pk]), {"password1": STRONG, "password2": STRONG}).status_code == 302
    )
    user.refresh_from_db()
    assert user.profile.must_change_password
    clerk = Client()
    signed_in = clerk.post(reverse("login"), {"username": "new-clerk", "password": STRONG}, follow=True)
    assert signed_in.redirect_chain[-1][0] == reverse("password_change")
    actions = list(AccountEvent.objects.order_by("at", "pk").values_list("action", flat=True))
    assert actions == [AccountAction.CREATE, AccountAction.PASSWORD_RESET]


def test_a_staff_account_without_a_section_or_a_taken_id_is_refused_and_nothing_is_written(client_for):
    hq = client_for("hq")
    before = _state()
    assert _create(hq, sections=[]).status_code == 400
    assert _create(hq, username="p-viewer").status_code == 400
    assert _state() == before


def test_headquarters_moves_a_clerk_to_another_section_and_the_change_is_recorded(client_for, personas):
    staff = personas["staff"]
    response = client_for("hq").post(
        reverse("user_edit", args=[staff.pk]),
        {
            "full_name": "異動 花子",
            "email": "",
            "role": Role.STAFF,
            "sections": [section("国際文化観光局", "国際観光課").pk],
        },
    )
    assert response.status_code == 302
    assert list(staff.profile.sections.values_list("name", flat=True)) == ["国際観光課"]
    event = AccountEvent.objects.get()
    assert event.action == AccountAction.CHANGE and "ICT・データ戦略課" in event.detail and "国際観光課" in event.detail


def test_a_disabled_account_cannot_sign_in_and_headquarters_cannot_disable_itself(client_for, personas):
    hq = client_for("hq")
    hq.post(reverse("user_active", args=[personas["viewer"].pk]), {"active": "0"})
    assert Client().post(reverse("login"), {"username": "p-viewer", "password": "persona-pass-2019"}).status_code == 200
    hq.post(reverse("user_active", args=[personas["hq"].pk]), {"active": "0"})
    assert User.objects.get(pk=personas["hq"].pk).is_active


CSV_HEADER = "ユーザーID,氏名,メール,役割,局,所属\n"


def _import(client, text: str, encoding="utf-8"):
    upload = SimpleUploadedFile("割り当て.csv", text.encode(encoding), content_type="text/csv")
    return client.post(reverse("users_import"), {"file": upload})


def test_the_april_rotation_is_previewed_then_applied_all_at_once(client_for, personas):
    hq = client_for("hq")
    text = CSV_HEADER + (
        "p-staff,異動 花子,hanako@example.jp,所属担当者,国際文化観光局,国際観光課\n"
        "p-staff,異動 花子,hanako@example.jp,所属担当者,総務局,ICT・データ戦略課\n"
        "r7-clerk,新任 次郎,,所属担当者,総務局,情報システム課\n"
        "r7-cio,最高情報責任者,,閲覧者,,\n"
    )
    before = _state()
    preview = _import(hq, text, encoding="cp932")
    page = preview.content.decode()
    assert preview.status_code == 200 and "新規" in page and "変更" in page
    assert _state() == before  # nothing written by the preview
    applied = hq.post(reverse("users_import"), {"confirm": "1", "digest": preview.context["digest"]})
    assert applied.status_code == 302
    staff = User.objects.get(username="p-staff")
    assert sorted(staff.profile.sections.values_list("name", flat=True)) == ["ICT・データ戦略課", "国際観光課"]
    assert User.objects.get(username="r7-clerk").profile.role == Role.STAFF
    assert User.objects.get(username="r7-cio").profile.role == Role.VIEWER
    actions = sorted(AccountEvent.objects.values_list("action", flat=True))
    assert actions == sorted([AccountAction.CHANGE, AccountAction.CREATE, AccountAction.CREATE, AccountAction.IMPORT])


def test_a_csv_with_errors_names_each_line_and_writes_nothing(client_for):
    text = CSV_HEADER + (
        "ok-user,正常,,閲覧者,,\n"
        "bad-role,役割違い,,部長,,\n"
        "no-section,所属なし,,所属担当者,,\n"
        "bad-section,所属違い,not-an-email,所属担当者,総務局,存在しない課\n"
    )
    before = _state()
    response = _import(client_for("hq"), text)
    page = response.content.decode()
    assert response.status_code == 400
    assert "3行目：役割「部長」がわかりません" in page
    assert "4行目：所属担当者には局・所属が必要です。" in page
    assert "5行目：メール「not-an-email」の形式が正しくありません。" in page
    assert "5行目：局・所属「総務局 存在しない課」がありません。" in page
    assert _state() == before


def test_a_confirm_without_its_preview_writes_nothing(client_for):
    before = _state()
    response = client_for("hq").post(reverse("users_import"), {"confirm": "1", "digest": "forged"})
    assert response.status_code == 400 and _state() == before


WRITE_ROUTES = [
    ("user_create", lambda p: reverse("user_create"), lambda p: {"username": "x", "full_name": "x", "role": "viewer"}),
    ("user_edit", lambda p: reverse("user_edit", args=[p["staff"].pk]), lambda p: {"full_name": "x", "role": "hq"}),
    ("user_active", lambda p: reverse("user_active", args=[p["staff"].pk]), lambda p: {"active": "0"}),
    (
        "user_password",
        lambda p: reverse("user_password", args=[p["staff"].pk]),
        lambda p: {"password1": STRONG, "password2": STRONG},
    ),
    ("users_import", lambda p: reverse("users_import"), lambda p: {"confirm": "1", "digest": "x"}),
    ("login_unlock", lambda p: reverse("login_unlock"), lambda p: {"username": "p-staff"}),
]


@pytest.mark.parametrize("persona", ["staff", "other_staff", "viewer", "anonymous"])
@pytest.mark.parametrize(("route", "url", "data"), WRITE_ROUTES, ids=[r[0] for r in WRITE_ROUTES])
def test_every_account_write_route_refuses_all_but_headquarters(client_for, personas, persona, route, url, data):
    before = _state()
    response = client_for(persona).post(url(personas), data(personas))
    if persona == "anonymous":
        assert response.status_code == 302 and reverse("login") in response["Location"]
    else:
        assert response.status_code == 403
    assert _state() == before


@pytest.mark.parametrize("persona", ["staff", "other_staff", "viewer"])
@pytest.mark.parametrize("name", ["users", "user_create", "users_import"])
def test_the_account_pages_are_for_headquarters(client_for, persona, name):
    assert client_for(persona).get(reverse(name)).status_code == 403
    assert client_for("hq").get(reverse(name)).status_code == 200
