"""`hotline forecast`: the stored (or CSV) history in, contacts per interval out.

It reads the store; `staff` and `schedule`, which do not, are in `hotline.commands.wfm`,
where the shared option checks and CSV helpers live. A short history is
not refused: it is forecast as the average day seen, with a warning that says how many days
it has and how many the weekly model needs. The stored history counts the contacts customers
started: callback tasks (the center calling back a missed call, which is counted already) are
left out unless `--channel callback` asks for them, as the reports' "arrived" does when they
draw volume against a saved forecast (`--save`).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from hotline.commands.options import DbOption
from hotline.commands.options import database_url as resolve_url
from hotline.commands.wfm import IntervalOpt, _bad, _check_interval, _read_csv, _write_csv, console

if TYPE_CHECKING:
    import pandas as pd

ZONE = "Asia/Shanghai"


def _stored_history(
    database_url: str | None, days: int, until: date, now: float, **filters: Any
) -> pd.Series:
    """Contacts per interval for the `days` local days before `until`; intervals from `now`
    on are NaN (not yet happened: unknown, not zero), so a partial today is not a quiet day."""
    from zoneinfo import ZoneInfo

    from hotline.store import open_store
    from hotline.wfm.forecast import counts_from_events

    url = resolve_url(database_url)
    zone = ZoneInfo(ZONE)
    end = datetime(until.year, until.month, until.day, tzinfo=zone)
    start = end - timedelta(days=days)
    events = open_store(url).events_for_range(start.timestamp(), end.timestamp())
    if filters.get("channel") is None:  # a callback task is the center calling back a missed
        events = [e for e in events if e.channel != "callback"]  # call, counted already
    series = counts_from_events(events, start=start.timestamp(), end=end.timestamp(), **filters)
    step = series.index[1] - series.index[0] if len(series) > 1 else None
    if step is not None and now < end.timestamp():
        series[series.index + step > _local_ts(now, zone)] = float("nan")
    return series


def _local_ts(ts: float, zone: Any) -> Any:
    import pandas as pd

    return pd.Timestamp(ts, unit="s", tz="UTC").tz_convert(zone)


def _until(until: str | None) -> date:
    """The end of the stored history: by default tomorrow, so that today's contacts count."""
    from zoneinfo import ZoneInfo

    if until is None:
        return datetime.now(ZoneInfo(ZONE)).date() + timedelta(days=1)
    try:
        return date.fromisoformat(until)
    except ValueError as exc:
        raise _bad("--until", f"expected YYYY-MM-DD, got {until!r}") from exc


def forecast(
    history: Annotated[
        Path | None, typer.Option(help="CSV start,contacts (else the store)")
    ] = None,
    database_url: DbOption = None,
    queue: Annotated[str | None, typer.Option(help="only this queue")] = None,
    channel: Annotated[str | None, typer.Option(help="only this channel")] = None,
    weeks: Annotated[int, typer.Option(help="weeks of stored history to use")] = 8,
    until: Annotated[
        str | None, typer.Option(help="history ends before this date (default: through today)")
    ] = None,
    interval_min: IntervalOpt = 30,
    days: Annotated[int, typer.Option(help="days to forecast")] = 7,
    holdout: Annotated[int, typer.Option(help="days held back to score MAPE; 0 = skip")] = 7,
    out: Annotated[Path | None, typer.Option(help="write start,contacts CSV")] = None,
    save: Annotated[
        bool, typer.Option(help="store it (for --queue, else the center) for the reports")
    ] = False,
    by: Annotated[str, typer.Option(help="who made it (kept with a saved forecast)")] = "cli",
) -> None:
    """Forecast contacts per interval (weekly + intraday seasonality, Chinese holidays)."""
    import time

    from hotline.wfm.forecast import since_first_contact

    _check_interval(interval_min)
    if days < 1:
        raise _bad("--days", "must be >= 1")
    if weeks < 2:
        raise _bad("--weeks", "needs at least 2 weeks of history")
    if holdout < 0:
        raise _bad("--holdout", "must be >= 0")
    if save and interval_min not in (15, 30, 60):  # hotline.store.forecasts.INTERVALS_S
        raise _bad(
            "--save", f"a saved forecast has intervals of 15, 30 or 60 min, not {interval_min}"
        )
    if save and channel is not None:
        raise _bad("--save", "a saved forecast is per queue: drop --channel to save one")
    if history is not None:
        series, option = _history_csv(history), "--history"
    else:
        end = _until(until)
        series = _stored_history(
            database_url, weeks * 7, end, time.time(),
            interval_s=interval_min * 60, queue=queue, channel=channel,
        )  # fmt: skip
        option = "--queue/--channel/--weeks/--until"
        if not (series > 0).any():
            first, last = end - timedelta(days=weeks * 7), end - timedelta(days=1)
            raise _bad(option, f"the store holds no contacts from {first} to {last}"
                       + "".join(f", {k} {v!r}" for k, v in (("queue", queue),
                                 ("channel", channel)) if v))  # fmt: skip
    predicted = _run_forecast(since_first_contact(series), days, holdout, interval_min, option, out)
    if save:
        _save(database_url, queue, predicted, interval_min, by, time.time())


def _save(
    database_url: str | None,
    queue: str | None,
    predicted: pd.Series,
    interval_min: int,
    by: str,
    now: float,
) -> None:
    """Store the forecast (times in the center's zone) so that reports compare with it."""
    import pandas as pd

    from hotline.store import open_store
    from hotline.store.forecasts import Forecasts

    index = pd.DatetimeIndex(predicted.index)
    if index.tz is None:  # a CSV history's naive local times
        index = index.tz_localize(ZONE)
    step = (index[1] - index[0]).total_seconds() if len(index) > 1 else interval_min * 60
    if step != interval_min * 60:  # the model keeps the history's interval
        raise _bad("--interval-min", f"the history has {step / 60:g}-minute intervals: "
                   f"pass --interval-min {step / 60:g} to save it")  # fmt: skip
    points = [(ts.timestamp(), float(v)) for ts, v in zip(index, predicted.to_numpy(), strict=True)]
    store = open_store(resolve_url(database_url))
    try:
        lo, hi = Forecasts(store.engine).save(
            queue, interval_min * 60, points, made_at=now, made_by=by, source="hotline forecast"
        )
    except ValueError as exc:
        raise _bad("--save", str(exc)) from exc
    finally:
        store.close()
    start, end = (_local_ts(t, ZONE) for t in (lo, hi))
    console.print(f"saved {len(points)} intervals for {queue or 'the center'}: {start} to {end}")


def _run_forecast(
    series: pd.Series, days: int, holdout: int, interval_min: int, option: str, out: Path | None
) -> pd.Series:
    """The seasonal model when the history allows it, else the average day with a warning."""
    from hotline.wfm.forecast import (
        MIN_SEASONAL_DAYS,
        average_day_forecast,
        backtest,
        forecast_contacts,
        whole_days,
    )

    if not len(series):
        raise _bad(option, "history holds no contacts: nothing to forecast from")
    complete = _complete_days(series)
    have = whole_days(complete)
    try:
        if have >= MIN_SEASONAL_DAYS:
            if len(complete) < len(series):
                day = series.index[-1].date()
                console.print(
                    f"[dim]left out {day}: the day is not over (a partial day would read as a "
                    "quiet one); the forecast starts with it[/dim]"
                )
            predicted = forecast_contacts(complete, days)
        else:
            _warn_short(series, have)
            predicted = average_day_forecast(series, days)
        enough = holdout and have >= MIN_SEASONAL_DAYS + holdout
        scored = backtest(complete, holdout) if enough else None
    except ValueError as exc:
        raise _bad(option, str(exc)) from exc
    _print_forecast(predicted, interval_min)
    if scored is not None:
        console.print(
            f"held-back {holdout} days: MAPE {scored.model.mape:.1f}% WAPE {scored.model.wape:.1f}%"
            f" (seasonal naive: MAPE {scored.baseline.mape:.1f}% WAPE {scored.baseline.wape:.1f}%)"
        )
    elif holdout:
        need = MIN_SEASONAL_DAYS + holdout
        console.print(f"not scored: holding back {holdout} days needs {need} whole days of "
                      f"history, it has {have}")  # fmt: skip
    if out:
        _write_csv([{"start": str(t), "contacts": v} for t, v in predicted.items()], out)
    return predicted


def _complete_days(series: pd.Series) -> pd.Series:
    """The series without its days that hold unknown (NaN) intervals."""
    partial = series.isna().groupby(series.index.normalize()).transform("any")
    return series[~partial.to_numpy()]


def _warn_short(series: pd.Series, have: int) -> None:
    from hotline.wfm.forecast import MIN_SEASONAL_DAYS

    first, last = series.index[0].date(), series.index[-1].date()
    per_day = series.groupby(series.index.normalize()).sum()
    busy, spanned = int((per_day > 0).sum()), len(per_day)
    unknown = series[series.isna()]
    until = f", the last one up to {unknown.index[0]:%H:%M}" if len(unknown) else ""
    console.print(
        f"[yellow]warning:[/yellow] the history runs {spanned} day{'s' if spanned != 1 else ''} "
        f"({first} to {last}{until}) with contacts on {busy}; a weekly pattern needs at least "
        f"{MIN_SEASONAL_DAYS} whole days (two of each weekday), it has {have}. Every forecast "
        "day repeats the average day seen, with no weekday or holiday effect: a rough guess."
    )


def _history_csv(path: Path) -> pd.Series:
    import pandas as pd

    series = _read_csv(path, "--history", "contacts")
    try:
        series.index = pd.DatetimeIndex(pd.to_datetime(series.index))
    except (ValueError, TypeError) as exc:
        raise _bad("--history", f"'start' must hold timestamps: {exc}") from exc
    return series


def _print_forecast(predicted: pd.Series, interval_min: int) -> None:
    from hotline.wfm.forecast import day_class

    table = Table(title=f"Forecast, {len(predicted)} intervals of {interval_min} min")
    for name in ("date", "day class", "contacts", "peak interval"):
        table.add_column(name, justify="right")
    for day, values in predicted.groupby(predicted.index.date):
        peak = values.idxmax()
        table.add_row(str(day), day_class(day), f"{values.sum():,.0f}", peak.strftime("%H:%M"))
    console.print(table)


def register(app: typer.Typer) -> None:
    """Add `forecast` to `app` (the `hotline` command or a test's sub-app)."""
    app.command("forecast")(forecast)
