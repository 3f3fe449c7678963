"""Writes on accounts, each by a headquarters user, each recorded as an AccountEvent."""

from __future__ import annotations

from axes.utils import reset
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import AccountAction, AccountEvent
from pdca import rights
from pdca.models import Profile


def _require_manager(user) -> None:
    decision = rights.may_manage_accounts(user)
    if not decision:
        raise PermissionDenied(decision.reason)


def password_changed_by_owner(*, user) -> None:
    """The user chose their own password: no longer one headquarters set."""
    Profile.objects.filter(user=user, must_change_password=True).update(must_change_password=False)


def lockout_clear(*, user, username: str = "", ip_address: str = "") -> int:
    """Lift the lock on an account or an address (its failures are forgotten); returns how
    many attempt records were cleared."""
    _require_manager(user)
    if bool(username) == bool(ip_address):
        raise ValidationError(_("解除するユーザーIDかアドレスのどちらかを指定してください。"))
    with transaction.atomic():
        cleared = reset(username=username) if username else reset(ip=ip_address)
        AccountEvent.objects.create(
            actor=user,
            action=AccountAction.UNLOCK,
            username=username,
            ip_address=ip_address or None,
            detail=_("失敗の記録 %(count)d 件を消去") % {"count": cleared},
        )
    return cleared
