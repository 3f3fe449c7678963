"""Abstract models shared by the apps, and the data version that keys the cache."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class AuditedModel(models.Model):
    """A row that people write: who changed it last and when, whether it is demo data (which
    `seed_demo --clear` removes), and its full history (django-simple-history gives each
    concrete model its own history table)."""

    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("更新者"),
    )
    updated_at = models.DateTimeField(_("更新日時"), auto_now=True)
    is_demo = models.BooleanField(_("デモデータ"), default=False, editable=False)
    history = HistoricalRecords(inherit=True)

    class Meta:
        abstract = True


class DataVersion(models.Model):
    """The one row every cached copy is keyed by (`core.cache`): a `stamp` that every write
    which changes what pages show renews, in the writer's own transaction
    (`core.cache.data_changed`). Random rather than a counter, so that the value of a
    rolled-back write never comes back."""

    stamp = models.CharField(max_length=32, editable=False)

    class Meta:
        verbose_name = _("データの版")
        verbose_name_plural = _("データの版")

    def __str__(self) -> str:
        return self.stamp
