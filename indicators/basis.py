"""The basis of a figure: which reports a roll-up counts.

Every roll-up is computed on a stated basis:

- ``Basis.APPROVED`` (承認済のみ): only measures whose year's report headquarters approved;
- ``Basis.SUBMITTED`` (提出済以上): submitted or approved reports, the default for the CIO,
  the viewers and the meeting workbook (``DEFAULT_BASIS``);
- ``Basis.ENTERED`` (入力済すべて): everything entered, drafts included.

On a basis, a measure whose report has not reached it counts as 未報告: its rate and grade
are left out of every mean and grade count, and the roll-up says how many such measures it
left out (``Rollup.left_out``). A measure without a target that year stays 対象外.

How far each measure-year's report has got is kept on its ``MeasureResult.basis_reached``
(the strictest basis it is counted on). The report's workflow lives in ``pdca``, which sets
it through ``indicators.services.measure_results_basis_set`` whenever a report's status
changes (``pdca.services``); ``indicators`` itself never reads a submission. ``GroupResult``
keeps one row per group, year and basis, so a roll-up on any basis is one small query.

Using it:

- ``indicators.selectors.rollup(..., basis=Basis.SUBMITTED)``, ``rollups_by_year(...,
  basis=...)``, ``measure_results_for_year(..., basis=...)`` and
  ``indicator_results_for_year(..., basis=...)`` take the basis as a keyword; the default
  there is ``Basis.ENTERED`` (what was stored before bases existed), so a page or export
  states its basis explicitly.
- ``pdca.selectors.chosen_basis(user, raw)`` picks the basis a page shows: ``?basis=``
  for those ``pdca.rights.may_choose_basis`` allows (headquarters), else ``DEFAULT_BASIS``.
- ``result_on_basis(result, basis)`` shows one stored measure result as that basis sees it.
- ``reached_on(basis)`` lists the ``basis_reached`` values a basis counts, for a query's
  filter (``MeasureResult.objects.filter(basis_reached__in=reached_on(basis))``).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Basis(models.TextChoices):
    APPROVED = "approved", _("承認済のみ")
    SUBMITTED = "submitted", _("提出済以上")
    ENTERED = "entered", _("入力済すべて")


# Widest first: a report that reaches a basis is counted on it and every wider one.
_RANK = {Basis.ENTERED: 0, Basis.SUBMITTED: 1, Basis.APPROVED: 2}

DEFAULT_BASIS = Basis.SUBMITTED


def counts_on(reached: str, basis: str) -> bool:
    """Whether a report that has reached `reached` is counted on `basis`."""
    return _RANK[Basis(reached)] >= _RANK[Basis(basis)]


def reached_on(basis: str) -> list[str]:
    """The `basis_reached` values counted on `basis`."""
    return [value for value in Basis.values if counts_on(value, basis)]


def basis_or_default(raw: str | None, default: str = DEFAULT_BASIS) -> Basis:
    """`raw` when it names a basis, else `default`."""
    return Basis(raw) if raw in Basis.values else Basis(default)


def result_on_basis(result, basis: str):
    """A stored MeasureResult as `basis` sees it: itself when its report reaches the basis,
    else an unsaved copy that counts as 未報告 (with `left_out` set when a graded figure was
    left out). None stays None."""
    if result is None:
        return None
    result.left_out = False
    if result.outcome != result.Outcome.GRADED or counts_on(result.basis_reached, basis):
        return result
    copy = type(result)(
        pk=result.pk,
        measure_id=result.measure_id,
        plan_year_id=result.plan_year_id,
        outcome=result.Outcome.UNREPORTED,
        rate=None,
        grade="",
        indicators_with_target=result.indicators_with_target,
        indicators_reported=0,
        basis_reached=result.basis_reached,
    )
    copy.left_out = True
    return copy
