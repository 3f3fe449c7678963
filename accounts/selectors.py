"""Reads for headquarters' account pages: the login log and the accounts locked out now."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.db.models import Max, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import AccountEvent


@dataclass(frozen=True)
class LoginRow:
    at: datetime
    username: str
    ip_address: str
    outcome: str
    locked_out: bool


@dataclass(frozen=True)
class Lockout:
    kind: str  # "username" or "ip_address"
    value: str
    failures: int
    last_attempt: datetime
    until: datetime


def login_log(*, limit: int = 200, username: str = "") -> list[LoginRow]:
    """Sign-ins, failures and lockouts, newest first (the two logs axes keeps, merged)."""
    successes = AccessLog.objects.order_by("-attempt_time")
    failures = AccessFailureLog.objects.order_by("-attempt_time")
    if username:
        successes, failures = successes.filter(username=username), failures.filter(username=username)
    rows = [
        LoginRow(a.attempt_time, a.username or "", a.ip_address or "", _("成功"), False)
        for a in successes.only("attempt_time", "username", "ip_address")[:limit]
    ]
    rows += [
        LoginRow(
            f.attempt_time,
            f.username or "",
            f.ip_address or "",
            _("失敗（ロック中）") if f.locked_out else _("失敗"),
            f.locked_out,
        )
        for f in failures.only("attempt_time", "username", "ip_address", "locked_out")[:limit]
    ]
    return sorted(rows, key=lambda row: row.at, reverse=True)[:limit]


def lockouts_now() -> list[Lockout]:
    """Accounts and addresses refused now: at least the failure limit within the cool-off."""
    cool_off = settings.AXES_COOLOFF_TIME
    since = timezone.now() - cool_off
    recent = AccessAttempt.objects.filter(attempt_time__gte=since)
    locked = []
    for kind in ("username", "ip_address"):
        groups = (
            recent.exclude(**{f"{kind}__isnull": True})
            .values(kind)
            .annotate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
            .filter(failures__gte=settings.AXES_FAILURE_LIMIT)
            .order_by("-last")
        )
        locked += [Lockout(kind, g[kind], g["failures"], g["last"], g["last"] + cool_off) for g in groups]
    return locked


def account_events(*, limit: int = 200):
    return AccountEvent.objects.select_related("actor")[:limit]
