"""KPI options and the four service-level formulas in use at Chinese hotlines.

Operators disagree on how an N-second service level (N 秒服务水平) treats callers who hung up, so
every report has to name the variant it prints (see the KPI notes). The formulas are kept here as
named values, each with the text printed under reports, so that code and report cannot drift.
"""

from __future__ import annotations

from dataclasses import dataclass

SL_COMBINED = "answered_and_abandoned_in_threshold_over_answered_plus_abandoned"
SL_ANSWERED_ONLY = "answered_in_threshold_over_answered"
SL_DEFAULT = "answered_in_threshold_over_answered_plus_abandoned"
SL_IGNORE_EARLY_ABANDONS = "answered_in_threshold_over_answered_plus_abandoned_after_threshold"

#: name → formula text ("T" is the threshold). Short abandons are never part of any of them.
SL_FORMULAS: dict[str, str] = {
    SL_COMBINED: "(answered ≤ T + abandoned ≤ T) ÷ (answered + abandoned)",
    SL_ANSWERED_ONLY: "answered ≤ T ÷ answered",
    SL_DEFAULT: "answered ≤ T ÷ (answered + abandoned)",
    SL_IGNORE_EARLY_ABANDONS: "answered ≤ T ÷ (answered + abandoned after T)",
}


@dataclass(frozen=True, slots=True)
class KpiOptions:
    """The knobs a report must print beside its figures.

    `sl_threshold_s` is T of the service level (waits ≤ T count as in threshold, GB/T 33358 uses
    15 s, many operators 20 s). `short_abandon_s` is N of 未接秒挂: a caller who hung up after
    waiting strictly less than N seconds is a short abandon, reported apart and removed from
    offered, abandoned and every SL formula. `sl_formula` is one of `SL_FORMULAS`; the default
    (answered ≤ T ÷ (answered + abandoned)) is the strictest of the four that still forgives
    short abandons, so a center cannot look good by ignoring callers who gave up.
    """

    sl_threshold_s: float = 20.0
    short_abandon_s: float = 5.0
    sl_formula: str = SL_DEFAULT

    def __post_init__(self) -> None:
        if self.sl_formula not in SL_FORMULAS:
            names = ", ".join(SL_FORMULAS)
            raise ValueError(f"unknown sl_formula {self.sl_formula!r}; expected one of {names}")
        if self.sl_threshold_s < 0 or self.short_abandon_s < 0:
            raise ValueError("sl_threshold_s and short_abandon_s must be >= 0")


def service_level(
    formula: str,
    *,
    answered: int,
    answered_in_threshold: int,
    abandoned: int,
    abandoned_in_threshold: int,
) -> float | None:
    """Apply one named SL formula to the counts; None when its denominator is 0.

    Taking counts (not contacts) lets a report show all four variants from one `Kpis` value.
    `abandoned` excludes short abandons; "abandoned after T" is abandoned − abandoned ≤ T.
    """
    if formula == SL_COMBINED:
        numerator = answered_in_threshold + abandoned_in_threshold
        denominator = answered + abandoned
    elif formula == SL_ANSWERED_ONLY:
        numerator, denominator = answered_in_threshold, answered
    elif formula == SL_DEFAULT:
        numerator, denominator = answered_in_threshold, answered + abandoned
    elif formula == SL_IGNORE_EARLY_ABANDONS:
        numerator = answered_in_threshold
        denominator = answered + (abandoned - abandoned_in_threshold)
    else:
        raise ValueError(f"unknown sl_formula {formula!r}")
    return numerator / denominator if denominator else None
