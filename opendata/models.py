"""Publication (公表) of a plan year: what the public site, the open data files and the API
may show. Nothing else in this app is stored: the public figures are read from `pdca` and
`indicators`, on the approved basis, for the years published here."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from measures.models import PlanYear


class Publication(models.Model):
    """One publication of a plan year, by headquarters; withdrawn (with a reason) or live.
    A year published again after a withdrawal gets a new row, so the record stays whole."""

    plan_year = models.ForeignKey(
        PlanYear, on_delete=models.PROTECT, related_name="publications", verbose_name=_("年度")
    )
    published_at = models.DateTimeField(_("公表日時"), default=timezone.now)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("公表者"),
    )
    withdrawn_at = models.DateTimeField(_("取下げ日時"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("取下げ者"),
    )
    withdrawal_reason = models.TextField(_("取下げの理由"), blank=True)

    class Meta:
        verbose_name = _("公表")
        verbose_name_plural = _("公表")
        ordering = ["-published_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan_year"], condition=Q(withdrawn_at__isnull=True), name="publication_one_live_per_year"
            ),
            models.CheckConstraint(
                condition=Q(withdrawn_at__isnull=True) | ~Q(withdrawal_reason=""),
                name="publication_withdrawal_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan_year}: {self.published_at:%Y-%m-%d}"

    @property
    def is_live(self) -> bool:
        return self.withdrawn_at is None
