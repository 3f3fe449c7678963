"""Writes of publication: publish a plan year (公表) and withdraw it with a reason."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from measures.models import PlanYear
from opendata.models import Publication
from opendata.selectors import forget_current_states
from pdca import rights
from pdca.models import Submission, SubmissionStatus


def year_publish(*, plan_year: PlanYear, user) -> Publication:
    """Publish a plan year: its approved reports reach the public site, the files and the API.
    Refused unless at least one of its reports is approved, or when it is published already."""
    decision = rights.may_publish(user)
    if not decision:
        raise PermissionDenied(decision.reason)
    with transaction.atomic():
        # The year row locked, so that two publishers cannot both pass the check below.
        PlanYear.objects.select_for_update().filter(pk=plan_year.pk).exists()
        if Publication.objects.filter(plan_year=plan_year, withdrawn_at__isnull=True).exists():
            raise ValidationError(_("%(year)sは公表済です。") % {"year": plan_year.label})
        approved = Submission.objects.filter(plan_year=plan_year, status=SubmissionStatus.APPROVED).exists()
        if not approved:
            raise ValidationError(
                _("%(year)sには承認済の報告がありません。承認してから公表してください。") % {"year": plan_year.label}
            )
        publication = Publication(plan_year=plan_year, published_by=user, published_at=timezone.now())
        publication.full_clean()
        publication.save()
        transaction.on_commit(lambda: forget_current_states(plan_year.plan))
    return publication


def year_withdraw(*, plan_year: PlanYear, user, reason: str) -> Publication:
    """Withdraw a published year (公表の取下げ) with a reason, which is kept with the publication."""
    decision = rights.may_publish(user)
    if not decision:
        raise PermissionDenied(decision.reason)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("取下げの理由を入力してください。")})
    with transaction.atomic():
        publication = (
            Publication.objects.select_for_update().filter(plan_year=plan_year, withdrawn_at__isnull=True).first()
        )
        if publication is None:
            raise ValidationError(_("%(year)sは公表されていません。") % {"year": plan_year.label})
        publication.withdrawn_at = timezone.now()
        publication.withdrawn_by = user
        publication.withdrawal_reason = reason
        publication.full_clean()
        publication.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawal_reason"])
        transaction.on_commit(lambda: forget_current_states(plan_year.plan))
    return publication
