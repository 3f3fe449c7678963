"""A plan's small settings rows (its years, grade bands and judgements), kept per process.

Nearly every page and every entry save needs them, they change a few times a year, and
reading them cost two queries a request. The copy here is keyed by the plan's id and its
`Plan.settings_stamp`, which comes with the plan row that every request reads anyway, and
which changes in the same transaction as any of those rows:

- saving or deleting a PlanYear, GradeBand or ProgressJudgement (the signals below);
- updating or bulk-creating them through the ORM (`measures.models.PlanSettingsQuerySet`);
- saving the Plan itself (`Plan.save`);
- the plan file loader, which writes them in raw SQL and so calls `plan_settings_changed`.

Only reads use the copy. The services that compute and store rates read the bands
themselves (`indicators.services.rules_for`): in the admin, headquarters saves a band and the
rates are recomputed in the same request, with a plan instance read before the change.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import TypeVar

from django.db.models import F, Value
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from measures.models import GradeBand, Plan, PlanYear, ProgressJudgement, plan_settings_changed


@dataclass(frozen=True)
class PlanSettings:
    years: tuple[tuple[int, int, bool], ...]  # (id, fiscal year, open for entry), in year order
    bands: tuple[tuple[str, str, Decimal], ...]  # (code, label, lowest rate), best first
    judgements: tuple[tuple[str, Decimal], ...]  # (label, lowest share), best first


T = TypeVar("T")

# Plans whose settings a process keeps; a deployment serves a handful.
CACHE_SIZE = 32


def plan_settings(plan: Plan) -> PlanSettings:
    """The plan's years, bands and judgements as of the plan row's stamp; read (two queries)
    only when this process has no copy for that stamp."""
    return _settings_kept(plan.pk, plan.settings_stamp)


@lru_cache(maxsize=CACHE_SIZE)
def _settings_kept(plan_id: int, _stamp: uuid.UUID) -> PlanSettings:
    return _settings_read(plan_id)


def plan_settings_derived(plan: Plan, name: str, build: Callable[[PlanSettings], T]) -> T:
    """`build(plan_settings(plan))`, made once per Plan instance (one request) and stamp, and
    kept on the instance as `name`: what a page asks of the settings row by row (the years as
    model instances, the bands as the arithmetic's) is made once, not once a row."""
    stamp, value = plan.__dict__.get(name, (None, None))
    if stamp != plan.settings_stamp:
        value = build(plan_settings(plan))
        plan.__dict__[name] = (plan.settings_stamp, value)
    return value


def plan_settings_forget() -> None:
    """Drop this process's copies (tests start from none, so that their query counts do not
    depend on the tests run before them)."""
    _settings_kept.cache_clear()


def _settings_read(plan_id: int) -> PlanSettings:
    years = tuple(
        PlanYear.objects.filter(plan_id=plan_id).order_by("fiscal_year").values_list("pk", "fiscal_year", "is_open")
    )
    # Bands and judgements in one round trip.
    columns = ("kind", "name", "label", "bound", "order")
    bands = (
        GradeBand.objects.filter(plan_id=plan_id)
        .order_by()
        .annotate(kind=Value("band"), name=F("code"), bound=F("min_rate"))
    )
    judgements = (
        ProgressJudgement.objects.filter(plan_id=plan_id)
        .order_by()
        .annotate(kind=Value("judgement"), name=F("label"), bound=F("min_share"))
    )
    rows = sorted(
        bands.values_list(*columns).union(judgements.values_list(*columns), all=True),
        key=lambda row: (row[0], row[4]),
    )
    return PlanSettings(
        years=years,
        bands=tuple((code, label, Decimal(bound)) for kind, code, label, bound, _order in rows if kind == "band"),
        judgements=tuple((label, Decimal(bound)) for kind, _name, label, bound, _order in rows if kind == "judgement"),
    )


@receiver(post_save, sender=PlanYear)
@receiver(post_delete, sender=PlanYear)
@receiver(post_save, sender=GradeBand)
@receiver(post_delete, sender=GradeBand)
@receiver(post_save, sender=ProgressJudgement)
@receiver(post_delete, sender=ProgressJudgement)
def _settings_row_written(sender, instance, **kwargs) -> None:
    # The plan instance the row was saved through, when it has one, learns the stamp too.
    plan = instance.plan if sender.plan.is_cached(instance) else instance.plan_id
    plan_settings_changed(plan)
