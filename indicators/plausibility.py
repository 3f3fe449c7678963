"""Plausibility checks on a typed actual: warnings, never refusals.

A value is questioned before it is saved when it is

- ``far_from_target``: more than the plan's `plausibility_factor` (3) times its target, or
  less than its inverse (a third);
- ``share_above_100``: above 100 in a percentage indicator;
- ``fraction``: between 0 and 1 in a percentage indicator (probably a fraction: 0.85 for
  85%; the warning offers the ×100 reading);
- ``cumulative_fell``: a cumulative indicator lower than its previous year's actual;
- ``unit_mismatch``: typed with a % sign in an indicator that is not a percentage
  (「８５％」 in a count of municipalities).

The clerk sees each warning beside the field and confirms to keep the value; the codes
confirmed are stored with the actual (`Actual.confirmed_warnings`). The entry form, the
template upload's preview and headquarters' review queue all ask `warnings_for` (the
queue through `pdca.selectors.plausibility_flags`). Pure functions: no database here.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.numbers import format_decimal

FAR_FROM_TARGET = "far_from_target"
SHARE_ABOVE_100 = "share_above_100"
FRACTION = "fraction"
CUMULATIVE_FELL = "cumulative_fell"
UNIT_MISMATCH = "unit_mismatch"

CODES = (FAR_FROM_TARGET, SHARE_ABOVE_100, FRACTION, CUMULATIVE_FELL, UNIT_MISMATCH)

# Short labels, for a flag in a list (headquarters' queue).
LABELS = {
    FAR_FROM_TARGET: gettext_lazy("目標値から大きく離れた値"),
    SHARE_ABOVE_100: gettext_lazy("100%を超える割合"),
    FRACTION: gettext_lazy("小数で入力された割合の疑い"),
    CUMULATIVE_FELL: gettext_lazy("前年度より減った累計"),
    UNIT_MISMATCH: gettext_lazy("単位の合わない入力"),
}


@dataclass(frozen=True)
class PlausibilityWarning:
    code: str
    message: str
    # A reading the clerk may have meant (the ×100 of a fraction), or None.
    suggestion: Decimal | None = None


def typed_percent(text: str | None) -> bool:
    """Whether a typed value carries a % sign (half- or full-width)."""
    return bool(text) and ("%" in text or "％" in text)


def warnings_for(
    *,
    value: Decimal | None,
    kind: str,
    unit: str = "",
    cumulative: bool = False,
    target_value: Decimal | None = None,
    previous_value: Decimal | None = None,
    typed: str | None = None,
    factor: Decimal = Decimal(3),
) -> list[PlausibilityWarning]:
    """The warnings for one numeric actual; [] for a plausible one, a milestone or no value.
    `kind` is an `IndicatorKind` value; `typed` is the text as typed, when there was one."""
    if value is None or kind == "milestone":
        return []
    warnings = []
    is_percentage = kind == "percentage"
    if typed_percent(typed) and not is_percentage:
        warnings.append(
            PlausibilityWarning(
                UNIT_MISMATCH,
                _(
                    "「%(typed)s」に %% が付いていますが、この指標の単位は「%(unit)s」です。数値 %(value)s として保存します。"
                )
                % {"typed": typed.strip(), "unit": unit or _("数量"), "value": format_decimal(value)},
            )
        )
    if is_percentage and value > 100:
        warnings.append(
            PlausibilityWarning(
                SHARE_ABOVE_100,
                _("割合の指標で 100%% を超えています（%(value)s%%）。") % {"value": format_decimal(value)},
            )
        )
    if is_percentage and 0 < value < 1:
        reading = value * 100
        warnings.append(
            PlausibilityWarning(
                FRACTION,
                _(
                    "%(value)s%% は小数で入力された割合かもしれません。%(reading)s%% の意味なら、%(reading)s と入力してください。"
                )
                % {"value": format_decimal(value), "reading": format_decimal(reading)},
                suggestion=reading,
            )
        )
    if target_value is not None and target_value > 0 and factor > 1:
        if value > target_value * factor or value < target_value / factor:
            warnings.append(
                PlausibilityWarning(
                    FAR_FROM_TARGET,
                    _("目標値 %(target)s から大きく離れています（%(factor)s倍超または%(factor)s分の1未満）。")
                    % {"target": format_decimal(target_value), "factor": format_decimal(factor)},
                )
            )
    if cumulative and previous_value is not None and value < previous_value:
        warnings.append(
            PlausibilityWarning(
                CUMULATIVE_FELL,
                _("累計の指標ですが、前年度の実績 %(previous)s より小さくなっています。")
                % {"previous": format_decimal(previous_value)},
            )
        )
    return warnings


def unconfirmed(warnings: list[PlausibilityWarning], confirmed: list[str] | set[str]) -> list[PlausibilityWarning]:
    """The warnings not yet confirmed by the clerk."""
    return [warning for warning in warnings if warning.code not in set(confirmed)]
