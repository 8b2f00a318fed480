"""May we contact this customer now? Do-not-call, quiet hours (Chinese calendar) and caps.

Every outbound attempt (a call by an agent, an SMS, a WeChat template message) asks
`ContactPolicy.decide` first and logs the `Decision` it gets: which rules were checked, which
one refused (or that all allowed), and when the attempt could next be allowed. The checks run
in a fixed order, cheapest and most final first:

1. do-not-call: an opt-out for all channels or for this one refuses, with no retry time (only
   the customer can lift it);
2. calling hours: the complement of the quiet hours (default 21:00-08:00) in the center's
   zone; on Chinese statutory holidays the `holidays` windows apply (default: none at all),
   make-up workdays (调休) are worked like weekdays - the same calendar as queue hours
   (`hotline.domain.hours`);
3. frequency caps: at most N attempts per local calendar day / ISO week (Mon-Sun), across all
   channels or per channel. A calendar period (not a rolling one) is what a customer can be told
   ("at most twice a day") and what a supervisor can check on a report.

Pure: the caller supplies the opt-outs and earlier attempts of this customer and `now`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from hotline.domain.hours import (
    DEFAULT_TZ,
    MINUTES_PER_DAY,
    BusinessHours,
    HoursSpecError,
    Windows,
    format_windows,
)

Channel = Literal["voice", "sms", "wechat"]
CHANNELS: tuple[str, ...] = ("voice", "sms", "wechat")
ALL = "all"
Period = Literal["day", "week"]

#: What a customer types or replies to opt out; carriers' SMS use "回T退订" / "回TD退订".
OPT_OUT_WORDS = frozenset(
    {"退订", "td", "t", "取消订阅", "退订短信", "拒收", "不要再打", "stop", "unsubscribe"}
)
_STRIP = re.compile(r"[\s\u3000。！!.，,、~～]+")
_MOBILE = re.compile(r"^(?:\+?86|0086)?(1\d{10})$")


def is_opt_out(text: str | None) -> bool:
    """True when a message *is* an opt-out keyword (退订, TD, T, STOP…), not merely contains one:
    "我不想退订" or "T恤尺码" must not silence a customer."""
    if not text:
        return False
    return _STRIP.sub("", text).casefold() in OPT_OUT_WORDS


def normalise_identifier(value: str) -> str:
    """One key per customer number: `+86 138-1234-5678`, `008613812345678` -> `13812345678`.
    Other identifiers (wechat:openid, accounts) are only stripped."""
    v = value.strip()
    digits = re.sub(r"[\s\-()]", "", v)
    m = _MOBILE.match(digits)
    return m.group(1) if m else v


@dataclass(frozen=True)
class OptOut:
    """A customer's do-not-contact request; `channel` "all" or one of `CHANNELS`."""

    identifier: str
    channel: str = ALL
    at: float = 0.0
    source: str = "api"  # api | chat | sms | wechat | voice | admin

    def covers(self, channel: str) -> bool:
        return self.channel in (ALL, channel)


@dataclass(frozen=True)
class Attempt:
    """An earlier outbound attempt to the same customer (allowed ones only are counted)."""

    at: float
    channel: str


@dataclass(frozen=True)
class Cap:
    """At most `limit` attempts per `period`, on `channel` ("all" = every channel together)."""

    period: Period
    limit: int
    channel: str = ALL

    @property
    def rule(self) -> str:
        return f"cap_{self.period}" + ("" if self.channel == ALL else f"_{self.channel}")


@dataclass(frozen=True)
class Check:
    """One rule's verdict on one attempt, with a human-readable detail for the log."""

    rule: str
    passed: bool
    detail: str


@dataclass(frozen=True)
class Decision:
    """The answer to "may we contact X on channel C at t": log it whole (`as_fact`)."""

    allowed: bool
    rule: str  # the rule that refused, or "allowed"
    reason: str
    checks: tuple[Check, ...]
    retry_at: float | None = None  # earliest instant the refusing rule could allow it

    def as_fact(self) -> dict[str, Any]:
        return {
            "allowed": self.allowed,
            "rule": self.rule,
            "reason": self.reason,
            "retry_at": self.retry_at,
            "checks": [
                {"rule": c.rule, "passed": c.passed, "detail": c.detail} for c in self.checks
            ],
        }


_HHMM = re.compile(r"^(\d{1,2}):(\d{2})$")


def _minute(text: str) -> int:
    m = _HHMM.match(text.strip())
    if not m or int(m.group(1)) > 24 or int(m.group(2)) > 59:
        raise HoursSpecError("quiet_hours", f"expected HH:MM, got {text.strip()!r}")
    minute = int(m.group(1)) * 60 + int(m.group(2))
    if minute > MINUTES_PER_DAY:
        raise HoursSpecError("quiet_hours", f"{text.strip()!r} is after 24:00")
    return minute


def _quiet_to_calling(quiet: str) -> Windows:
    """'21:00-08:00' (may cross midnight; several comma-separated) -> the calling windows."""
    quiet_windows: list[tuple[int, int]] = []
    for piece in quiet.split(","):
        a, sep, b = piece.partition("-")
        if not sep:
            raise HoursSpecError("quiet_hours", f"expected 'HH:MM-HH:MM', got {piece.strip()!r}")
        s, e = _minute(a), _minute(b)
        if e <= s:  # crosses midnight: 21:00-08:00 = 21:00-24:00 and 00:00-08:00
            quiet_windows += [(s, MINUTES_PER_DAY), (0, e)]
        else:
            quiet_windows.append((s, e))
    out, start = [], 0
    for s, e in sorted(quiet_windows):
        if s > start:
            out.append((start, s))
        start = max(start, e)
    if start < MINUTES_PER_DAY:
        out.append((start, MINUTES_PER_DAY))
    return tuple(out)


@dataclass(frozen=True)
class ContactPolicy:
    """The center's outbound contact rules; build with `from_spec` from the config mapping."""

    calling: BusinessHours
    caps: tuple[Cap, ...] = ()
    quiet_hours: str = "21:00-08:00"
    spec: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_spec(
        cls, spec: Mapping[str, Any] | None = None, tz: str = DEFAULT_TZ
    ) -> ContactPolicy:
        """`{"quiet_hours": "21:00-08:00", "holidays": "closed" | "10:00-18:00" | "weekly",
        "tz": "Asia/Shanghai", "caps": {"day": 2, "week": 5, "sms": {"day": 1}}}`; every key
        optional. Raises `HoursSpecError` naming the key."""
        spec = dict(spec or {})
        unknown = set(spec) - {"quiet_hours", "holidays", "tz", "caps", "overrides"}
        if unknown:
            raise HoursSpecError(
                sorted(unknown)[0],
                "unknown key; expected quiet_hours, holidays, tz, caps, overrides",
            )
        quiet = str(spec.get("quiet_hours", "21:00-08:00"))
        try:
            calling = format_windows(_quiet_to_calling(quiet)) or "closed"
        except HoursSpecError as exc:
            raise HoursSpecError("quiet_hours", exc.reason) from exc
        hours: dict[str, Any] = {"mon-sun": calling, "holidays": spec.get("holidays", "closed")}
        if "overrides" in spec:
            hours["overrides"] = spec["overrides"]
        hours["tz"] = spec.get("tz", tz)
        return cls(
            calling=BusinessHours.parse(hours),
            caps=_parse_caps(spec.get("caps", {"day": 2, "week": 5})),
            quiet_hours=quiet,
            spec=spec,
        )

    def decide(
        self,
        channel: str,
        now: float,
        *,
        opt_outs: Iterable[OptOut] = (),
        attempts: Iterable[Attempt] = (),
    ) -> Decision:
        """Check every rule in order; the first refusal wins, but all checks are reported."""
        if channel not in CHANNELS:
            raise ValueError(f"channel must be one of {CHANNELS}, got {channel!r}")
        checks: list[Check] = []
        refusal: tuple[str, str, float | None] | None = None

        blocking = [o for o in opt_outs if o.covers(channel)]
        if blocking:
            o = blocking[0]
            detail = f"opted out of {o.channel} via {o.source}"
            checks.append(Check("dnc", False, detail))
            refusal = ("dnc", detail, None)
        else:
            checks.append(Check("dnc", True, "not on the do-not-call list"))

        if self.calling.is_open(now):
            checks.append(Check("quiet_hours", True, f"outside quiet hours {self.quiet_hours}"))
        else:
            day = datetime.fromtimestamp(now, ZoneInfo(self.calling.tz)).date()
            holiday = self.calling.schedule_for(day) != self.calling.weekly[day.weekday()]
            rule = "holiday" if holiday else "quiet_hours"
            detail = (
                f"{day.isoformat()} is a statutory holiday (calls: "
                f"{format_windows(self.calling.schedule_for(day)) or 'none'})"
                if holiday
                else f"within quiet hours {self.quiet_hours}"
            )
            checks.append(Check(rule, False, detail))
            if refusal is None:
                refusal = (rule, detail, self.calling.next_open(now))

        past = [a for a in attempts if a.at <= now]
        for cap in self.caps:
            start, end = self._period(cap.period, now)
            n = (
                sum(1 for a in past if start <= a.at < end and cap.channel in (ALL, a.channel))
                if cap.channel in (ALL, channel)
                else None
            )
            if n is None:
                continue
            label = f"{n}/{cap.limit} this {cap.period}" + (
                "" if cap.channel == ALL else f" on {cap.channel}"
            )
            ok = n < cap.limit
            checks.append(Check(cap.rule, ok, label))
            if not ok and refusal is None:
                refusal = (cap.rule, f"cap reached: {label}", self.calling.next_open(end))

        if refusal is None:
            return Decision(True, "allowed", "; ".join(c.detail for c in checks), tuple(checks))
        rule, reason, retry = refusal
        return Decision(False, rule, reason, tuple(checks), retry)

    def _period(self, period: str, now: float) -> tuple[float, float]:
        zone = ZoneInfo(self.calling.tz)
        local = datetime.fromtimestamp(now, zone)
        midnight = datetime(local.year, local.month, local.day, tzinfo=zone)
        if period == "week":
            midnight -= timedelta(days=local.weekday())
            return midnight.timestamp(), (midnight + timedelta(days=7)).timestamp()
        return midnight.timestamp(), (midnight + timedelta(days=1)).timestamp()


def _parse_caps(value: Any) -> tuple[Cap, ...]:
    if not isinstance(value, Mapping):
        raise HoursSpecError("caps", f"expected a mapping like {{day: 2, week: 5}}, got {value!r}")
    caps: list[Cap] = []
    for key, v in value.items():
        if key in ("day", "week"):
            caps.append(Cap(key, _limit(v, f"caps.{key}")))
        elif key in CHANNELS and isinstance(v, Mapping):
            for period, n in v.items():
                if period not in ("day", "week"):
                    raise HoursSpecError(f"caps.{key}.{period}", "period must be day or week")
                caps.append(Cap(period, _limit(n, f"caps.{key}.{period}"), key))
        else:
            raise HoursSpecError(
                f"caps.{key}", "expected day, week or a channel (voice/sms/wechat)"
            )
    return tuple(caps)


def _limit(v: Any, part: str) -> int:
    if isinstance(v, bool) or not isinstance(v, int) or v < 0:
        raise HoursSpecError(part, f"expected a whole number >= 0, got {v!r}")
    return v
