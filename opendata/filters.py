"""The public filters (year, pillar, bureau, grade), checked once for the pages and the API."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import Http404
from django.utils.translation import gettext as _

from indicators.selectors import plan_bands
from opendata.selectors import PublicState, Tree, published_year

UNREPORTED = "unreported"


@dataclass(frozen=True)
class PublicFilters:
    year: int | None = None
    pillar: str = ""
    bureau: str = ""
    grade: str = ""

    @property
    def active(self) -> bool:
        return bool(self.pillar or self.bureau or self.grade)


class FilterError(ValueError):
    """Bad filter values: `errors` maps each parameter to its message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def public_filters(state: PublicState, tree: Tree, params, *, year_required: bool = False) -> PublicFilters:
    """The filters of a query string. An unpublished (or unknown) year is a 404, as the page
    or data it asks for does not exist; any other bad value is a FilterError (400)."""
    errors: dict[str, str] = {}
    year = None
    raw_year = (params.get("year") or "").strip()
    if raw_year:
        if not raw_year.isdigit():
            errors["year"] = _("年度は西暦の数字で指定してください（例：2021）。")
        else:
            year = published_year(state, raw_year)
    elif year_required:
        if state.latest_year is None:
            raise Http404(_("公表されている年度はありません。"))
        year = state.latest_year
    pillar = (params.get("pillar") or "").strip()
    if pillar and pillar not in {p.code for p in tree.pillars}:
        errors["pillar"] = _("柱「%(value)s」はありません。") % {"value": pillar}
    bureau = (params.get("bureau") or "").strip()
    if bureau and bureau not in tree.bureaus.values():
        errors["bureau"] = _("局「%(value)s」はありません。") % {"value": bureau}
    grade = (params.get("grade") or "").strip()
    grades = {band.code for band in plan_bands(state.plan)} | {UNREPORTED}
    if grade and grade not in grades:
        errors["grade"] = _("評価「%(value)s」はありません（%(choices)s のいずれか）。") % {
            "value": grade,
            "choices": "、".join(sorted(grades)),
        }
    if errors:
        raise FilterError(errors)
    return PublicFilters(year, pillar, bureau, grade)


def measure_row_matches(row: dict, filters: PublicFilters) -> bool:
    if filters.year is not None and row["fiscal_year"] != filters.year:
        return False
    if filters.pillar and row["pillar_code"] != filters.pillar:
        return False
    if filters.bureau and filters.bureau not in row["bureaus"].split(" / "):
        return False
    if filters.grade == UNREPORTED:
        return row["outcome"] == UNREPORTED
    return not filters.grade or row["grade"] == filters.grade
