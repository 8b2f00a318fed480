"""Forecast contacts per interval from the stored history, aware of Chinese holidays.

The model splits the problem the way planners think about it:

* **How many contacts in a day** -- a statsmodels `UnobservedComponents` model of log daily
  totals: a local level (so the forecast follows drift and growth) plus one regressor per *day
  class*. The class comes from the statutory calendar (`hotline.domain.hours.day_kind`), not
  from the weekday alone: `mon`..`fri` for workdays, `sat`/`sun` for weekends, `holiday` for
  statutory holidays and the weekdays given off in lieu, and a make-up workday (调休上班) is
  counted as an ordinary midweek workday (`wed`). A plain weekly-seasonal model would forecast
  National Day like any Wednesday and a make-up Sunday like a quiet Sunday.
* **How the day's contacts spread over its intervals** -- the mean intraday profile (share of
  the day per interval) of the same day class in the history.

A class the history has never seen falls back to a neighbour (`holiday` -> `sun`, anything
else -> `wed`), so a first holiday is forecast as a quiet rest day rather than failing.

Accuracy is reported as MAPE (mean absolute percentage error over intervals with at least
one contact: a zero actual has no percentage error) and WAPE (sum |error| / sum actual, the
fairer figure for low-volume night intervals), next to a seasonal-naive baseline (the same
interval one week earlier), on a held-back final week.

Everything here is pure: series in, series out. Timestamps are local wall time.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from hotline.domain.hours import DEFAULT_TZ, DayKind, day_kind
from hotline.domain.records import EventRecord

__all__ = [
    "MIN_SEASONAL_DAYS",
    "Accuracy",
    "Backtest",
    "accuracy",
    "average_day_forecast",
    "backtest",
    "counts_from_events",
    "day_class",
    "forecast_contacts",
    "seasonal_naive",
    "since_first_contact",
    "whole_days",
]

CLASSES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun", "holiday")
BASE_CLASS = "wed"  # the regression baseline, and what a make-up workday counts as
Calendar = Callable[[date], DayKind]
MIN_SEASONAL_DAYS = 14  # two of each weekday: the least the day-class model is fitted on


def day_class(day: date, calendar: Calendar = day_kind) -> str:
    """The class whose volume and intraday shape a date is expected to follow."""
    kind = calendar(day)
    if kind is DayKind.HOLIDAY:
        return "holiday"
    if kind is DayKind.MAKEUP_WORKDAY:
        return BASE_CLASS
    return CLASSES[day.weekday()]


def counts_from_events(
    events: Iterable[EventRecord],
    *,
    interval_s: int = 1800,
    queue: str | None = None,
    channel: str | None = None,
    start: float | None = None,
    end: float | None = None,
    tz: str = DEFAULT_TZ,
) -> pd.Series:
    """Contacts created per interval, in local time, with empty intervals as zeros.

    Counts `contact.created` records, optionally of one queue and/or channel. `start`/`end`
    (epoch seconds, end exclusive) fix the range; by default it spans the whole local days
    of the first and last event, so the series is ready for `forecast_contacts`.
    """
    if interval_s <= 0 or 86400 % interval_s:
        raise ValueError(f"interval_s must divide a day evenly, got {interval_s}")
    stamps = [
        e.at
        for e in events
        if e.kind == "contact.created"
        and (queue is None or e.queue == queue)
        and (channel is None or e.channel == channel)
    ]
    zone = ZoneInfo(tz)
    freq = pd.Timedelta(seconds=interval_s)
    local = pd.to_datetime(pd.Series(stamps, dtype=float), unit="s", utc=True).dt.tz_convert(zone)
    if not len(local) and (start is None or end is None):
        return pd.Series([], dtype=float, index=pd.DatetimeIndex([], tz=zone), name="contacts")
    # Default range: the whole local days of the first and last event.
    first = _local(start, zone) if start is not None else local.min().normalize()
    last = _local(end, zone) if end is not None else local.max().normalize() + pd.Timedelta(days=1)
    index = pd.date_range(first, last, freq=freq, inclusive="left")
    keep = local[(local >= first) & (local < last)]
    counts = keep.dt.floor(freq).value_counts()
    return counts.reindex(index, fill_value=0).astype(float).rename("contacts")


def _local(ts: float, zone: ZoneInfo) -> pd.Timestamp:
    return pd.Timestamp(ts, unit="s", tz="UTC").tz_convert(zone)


def _whole_days(history: pd.Series) -> tuple[pd.DataFrame, pd.Timedelta]:
    """Reshape to one row per local day, one column per interval; drop partial days."""
    if not isinstance(history.index, pd.DatetimeIndex) or len(history) < 2:
        raise ValueError("history must be a Series indexed by timestamps (at least 2 rows)")
    step = history.index[1] - history.index[0]
    per_day = pd.Timedelta(days=1) / step
    if per_day != int(per_day) or (history.index[1:] - history.index[:-1] != step).any():
        raise ValueError(f"history must be regular intervals that divide a day, got step {step}")
    frame = pd.DataFrame(
        {
            "day": history.index.normalize(),
            "slot": ((history.index - history.index.normalize()) / step).astype(int),
            "n": history.to_numpy(dtype=float),
        }
    )
    table = frame.pivot_table(index="day", columns="slot", values="n", aggfunc="sum")
    table = table.dropna()  # partial first/last days
    if len(table) < MIN_SEASONAL_DAYS:
        raise ValueError(
            f"history must hold at least {MIN_SEASONAL_DAYS} whole days, got {len(table)}"
        )
    return table, step


def _profiles(table: pd.DataFrame, classes: list[str]) -> dict[str, np.ndarray]:
    """Mean share of the day per interval, per day class (uniform for an empty day)."""
    totals = table.sum(axis=1).to_numpy()
    shares = table.to_numpy() / np.where(totals > 0, totals, 1.0)[:, None]
    out: dict[str, np.ndarray] = {}
    for name in set(classes):
        rows = shares[[c == name for c in classes]]
        rows = rows[rows.sum(axis=1) > 0]
        if len(rows):
            out[name] = rows.mean(axis=0)
    return out


def _fallback(name: str, known: Iterable[str]) -> str:
    known = set(known)
    if name in known:
        return name
    if name == "holiday" and "sun" in known:
        return "sun"
    return BASE_CLASS if BASE_CLASS in known else sorted(known)[0]


def _design(classes: list[str], columns: list[str]) -> np.ndarray:
    """Dummy matrix of day classes (baseline class left out)."""
    return np.array([[1.0 if c == col else 0.0 for col in columns] for c in classes])


def _daily_model(totals: np.ndarray, classes: list[str], future: list[str]) -> np.ndarray:
    """Forecast daily totals: local level + day-class regressors on log(1 + total)."""
    from statsmodels.tsa.statespace.structural import UnobservedComponents

    columns = [c for c in CLASSES if c != BASE_CLASS and c in set(classes)]
    exog = _design(classes, columns)
    model = UnobservedComponents(np.log1p(totals), level="llevel", exog=exog if columns else None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence chatter on short, clean series
        fit = model.fit(disp=False, maxiter=200)
    steps = len(future)
    if columns:
        predicted = fit.forecast(steps, exog=_design(future, columns))
    else:
        predicted = fit.forecast(steps)
    return np.expm1(np.asarray(predicted))


def forecast_contacts(history: pd.Series, days: int, *, calendar: Calendar = day_kind) -> pd.Series:
    """Expected contacts per interval for the `days` whole days after the history.

    `history`: contacts per interval (15 or 30 min, or any divisor of a day) indexed by local
    timestamps; at least two weeks of whole days. `calendar` maps a date to its `DayKind`
    (default: the State Council schedule), injectable for years not yet published.
    """
    if days < 1:
        raise ValueError(f"days must be >= 1, got {days}")
    table, step = _whole_days(history)
    if not table.to_numpy().sum() > 0:
        raise ValueError("history holds no contacts: nothing to forecast from")
    past = [day_class(d.date(), calendar) for d in table.index]
    next_days = pd.date_range(table.index[-1] + pd.Timedelta(days=1), periods=days, freq="D")
    known = set(past)
    future = [_fallback(day_class(d.date(), calendar), known) for d in next_days]
    totals = _daily_model(table.sum(axis=1).to_numpy(), past, future)
    shapes = _profiles(table, past)
    rows = [max(0.0, t) * shapes[_fallback(c, shapes)] for t, c in zip(totals, future, strict=True)]
    index = pd.date_range(next_days[0], periods=days * table.shape[1], freq=step)
    return pd.Series(np.concatenate(rows), index=index, name="forecast")


def seasonal_naive(history: pd.Series, days: int) -> pd.Series:
    """The baseline: each interval repeats the same interval one week earlier."""
    table, step = _whole_days(history)
    week = table.iloc[-7:].to_numpy()
    rows = [week[i % 7] for i in range(days)]
    start = table.index[-1] + pd.Timedelta(days=1)
    index = pd.date_range(start, periods=days * table.shape[1], freq=step)
    return pd.Series(np.concatenate(rows), index=index, name="seasonal_naive")


@dataclass(frozen=True, slots=True)
class Accuracy:
    """Forecast error: MAPE over intervals with contacts, WAPE over all, both in percent."""

    mape: float
    wape: float


def accuracy(actual: pd.Series, predicted: pd.Series) -> Accuracy:
    """Compare on the common intervals of two series."""
    a, p = actual.align(predicted, join="inner")
    a_values, p_values = a.to_numpy(dtype=float), p.to_numpy(dtype=float)
    if not len(a_values):
        raise ValueError("actual and predicted share no interval")
    err = np.abs(a_values - p_values)
    busy = a_values > 0
    mape = float(np.mean(err[busy] / a_values[busy]) * 100) if busy.any() else math.nan
    total = a_values.sum()
    wape = float(err.sum() / total * 100) if total > 0 else math.nan
    return Accuracy(mape=mape, wape=wape)


@dataclass(frozen=True, slots=True)
class Backtest:
    """The model and the seasonal-naive baseline, scored on the held-back days."""

    model: Accuracy
    baseline: Accuracy
    forecast: pd.Series
    actual: pd.Series


def backtest(
    history: pd.Series, holdout_days: int = 7, *, calendar: Calendar = day_kind
) -> Backtest:
    """Fit on all but the last `holdout_days` whole days, forecast them, and score both."""
    table, _step = _whole_days(history)
    cut = table.index[-holdout_days]
    train = history[(history.index >= table.index[0]) & (history.index < cut)]
    actual = history[history.index >= cut]
    actual = actual[actual.index < table.index[-1] + pd.Timedelta(days=1)]
    predicted = forecast_contacts(train, holdout_days, calendar=calendar)
    naive = seasonal_naive(train, holdout_days)
    return Backtest(
        model=accuracy(actual, predicted),
        baseline=accuracy(actual, naive),
        forecast=predicted,
        actual=actual,
    )


def since_first_contact(history: pd.Series) -> pd.Series:
    """The history from the local day of its first contact on.

    Days before the first contact are not quiet days but days before the hotline (or its
    store) existed: left in, eight weeks of zeros and one real day fit a level near zero.
    An empty series comes back when the history holds no contact at all.
    """
    busy = history[history > 0]
    if not len(busy):
        return history.iloc[:0]
    return history[history.index >= busy.index[0].normalize()]


def whole_days(history: pd.Series) -> int:
    """How many local days of the history are fully observed (every interval known)."""
    if len(history) < 2:
        return 0
    step = history.index[1] - history.index[0]
    per_day = int(pd.Timedelta(days=1) / step)
    known = history.notna().groupby(history.index.normalize()).sum()
    return int((known == per_day).sum())


def average_day_forecast(history: pd.Series, days: int) -> pd.Series:
    """The fallback for a history too short for weekday effects: every forecast day repeats
    the mean of each interval over the days seen. Unknown intervals (NaN, e.g. the rest of
    today) are left out of the mean; an interval never observed is forecast as 0."""
    if days < 1:
        raise ValueError(f"days must be >= 1, got {days}")
    if len(history) < 2 or not isinstance(history.index, pd.DatetimeIndex):
        raise ValueError("history must be a Series indexed by timestamps (at least 2 rows)")
    step = history.index[1] - history.index[0]
    slot = ((history.index - history.index.normalize()) / step).astype(int)
    per_day = int(pd.Timedelta(days=1) / step)
    mean = history.groupby(slot).mean().reindex(range(per_day)).fillna(0.0).to_numpy()
    start = history.index[-1].normalize() + pd.Timedelta(days=1)
    index = pd.date_range(start, periods=days * per_day, freq=step)
    return pd.Series(np.tile(mean, days), index=index, name="forecast")
