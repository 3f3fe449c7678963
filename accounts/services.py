"""Writes on accounts, each by a headquarters user, each recorded as an AccountEvent."""

from __future__ import annotations

from dataclasses import dataclass

from axes.utils import reset
from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import AccountAction, AccountEvent
from measures.models import Section
from pdca import rights
from pdca.models import Profile, Role


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


@dataclass(frozen=True)
class AccountData:
    """What headquarters sets for an account: from the account form or one CSV user."""

    username: str
    full_name: str
    email: str
    role: str
    sections: tuple[Section, ...] = ()


def _summary(full_name: str, email: str, role_label: str, sections) -> str:
    """An account as the record shows it: name / e-mail / role / sections."""
    names = "、".join(f"{s.bureau.name} {s.name}" for s in sections) or "—"
    return f"{full_name} / {email or '—'} / {role_label} / {names}"


def _account_write(*, actor, user: User | None, data: AccountData) -> tuple[User, str]:
    """Create or change one account (inside the caller's transaction); returns the user and
    the recorded description of what changed ("" when nothing did)."""
    created = user is None
    if created:
        user = User(username=data.username)
        user.set_unusable_password()  # headquarters sets the first password (must be changed)
    profile = getattr(user, "profile", None) if not created else None
    before = (
        ""
        if created
        else _summary(
            user.get_full_name(),
            user.email,
            profile.get_role_display() if profile else "—",
            profile.sections.select_related("bureau") if profile else [],
        )
    )
    user.first_name, user.last_name, user.email = data.full_name, "", data.email
    user.full_clean(exclude=["password"])
    user.save()
    profile, _created = Profile.objects.get_or_create(user=user, defaults={"role": data.role})
    profile.role = data.role
    profile.save()
    profile.sections.set(data.sections)
    after = _summary(data.full_name, data.email, Role(data.role).label, data.sections)
    if before == after:
        return user, ""
    AccountEvent.objects.create(
        actor=actor,
        action=AccountAction.CREATE if created else AccountAction.CHANGE,
        username=user.username,
        detail=after if created else f"{before} → {after}",
    )
    return user, after


def account_save(*, actor, user: User | None, data: AccountData) -> User:
    """Create an account (user is None) or change one: name, e-mail, role, sections."""
    _require_manager(actor)
    if user is None and User.objects.filter(username=data.username).exists():
        raise ValidationError({"username": _("このユーザーIDは既に使われています。")})
    with transaction.atomic():
        saved, _change = _account_write(actor=actor, user=user, data=data)
    return saved


def account_active_set(*, actor, user: User, active: bool) -> None:
    """Disable an account (it can no longer sign in; its records stay) or enable it again."""
    _require_manager(actor)
    if user.pk == actor.pk and not active:
        raise ValidationError(_("自分自身のアカウントは停止できません。"))
    with transaction.atomic():
        user.is_active = active
        user.save(update_fields=["is_active"])
        AccountEvent.objects.create(
            actor=actor, action=AccountAction.ENABLE if active else AccountAction.DISABLE, username=user.username
        )


def account_password_set(*, actor, user: User, password: str) -> None:
    """Set a password for the user (Django's validators), to be changed at their next sign-in."""
    _require_manager(actor)
    validate_password(password, user)
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        Profile.objects.update_or_create(user=user, defaults={"must_change_password": True})
        AccountEvent.objects.create(actor=actor, action=AccountAction.PASSWORD_RESET, username=user.username)


def accounts_import_apply(*, actor, accounts: list[AccountData]) -> int:
    """Apply the year's assignments (checked beforehand by accounts.imports): all or nothing.
    Returns how many accounts were created or changed."""
    _require_manager(actor)
    changed = 0
    with transaction.atomic():
        existing = {u.username: u for u in User.objects.filter(username__in=[a.username for a in accounts])}
        for data in accounts:
            _user, change = _account_write(actor=actor, user=existing.get(data.username), data=data)
            changed += bool(change)
        AccountEvent.objects.create(
            actor=actor,
            action=AccountAction.IMPORT,
            detail=_("%(count)d 件のアカウントを作成・変更") % {"count": changed},
        )
    return changed
