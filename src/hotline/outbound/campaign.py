"""A campaign's schedule, pacing and retries over a fake-able clock, asking the contact
policy (`hotline.compliance`) before every attempt.

`CampaignRun.step(now, ...)` returns the attempts to make now (`Dispatch`, each with the policy
`Decision` that allowed it, for the attempt log) and moves every refused task to the time the
refusing rule names: quiet hours and holidays to the next calling window, a frequency cap to
the next day/week, the campaign's own schedule to its next open window. A do-not-call refusal
ends the task for good - so an opt-out in the middle of a campaign stops the very next attempt.
`outcome(task, result, now)` applies the retry rules: no answer / busy are tried again after
their delay until `max_attempts`; wrong number, refused and reached end the task.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from hotline.compliance.policy import Attempt, ContactPolicy, Decision, OptOut
from hotline.domain.hours import BusinessHours

OUTCOMES = ("reached", "refused", "no_answer", "busy", "wrong_number")


@dataclass(frozen=True)
class Retry:
    """Delay before the next attempt per outcome; None = do not retry that outcome."""

    no_answer: float | None = 2 * 3600.0
    busy: float | None = 15 * 60.0
    wrong_number: float | None = None


@dataclass(frozen=True)
class Campaign:
    id: str
    channel: str  # voice | sms | wechat
    start: float
    end: float
    hours: BusinessHours  # the campaign's own schedule (days, hours, Chinese calendar)
    max_attempts: int = 3
    per_minute: int = 10  # pacing cap (progressive dialling; SMS throughput)
    retry: Retry = field(default_factory=Retry)


@dataclass
class Task:
    customer: str
    next_at: float
    attempts: int = 0
    status: str = "pending"  # pending | active | done | stopped | failed
    result: str | None = None  # last outcome, or the rule that stopped it
    log: list[tuple[float, str]] = field(default_factory=list)


@dataclass(frozen=True)
class Dispatch:
    task: Task
    decision: Decision


class CampaignRun:
    def __init__(self, campaign: Campaign, customers: Iterable[str]) -> None:
        self.campaign = campaign
        self.tasks = {c: Task(c, campaign.start) for c in dict.fromkeys(customers)}
        self._sent: list[float] = []  # dispatch times, for the per-minute cap

    @classmethod
    def resume(
        cls, campaign: Campaign, tasks: Iterable[Task], sent: Iterable[float] = ()
    ) -> CampaignRun:
        """A run rebuilt from stored tasks and recent dispatch times (the per-minute cap)."""
        run = cls(campaign, ())
        run.tasks = {t.customer: t for t in tasks}
        run._sent = sorted(sent)
        return run

    def step(
        self,
        now: float,
        policy: ContactPolicy,
        opt_outs: Callable[[str], Iterable[OptOut]],
        attempts: Callable[[str], Iterable[Attempt]],
    ) -> list[Dispatch]:
        """The attempts to make at `now`, in list order, within pacing; refusals rescheduled."""
        c = self.campaign
        out: list[Dispatch] = []
        self._sent = [t for t in self._sent if t > now - 60.0]
        for task in self.tasks.values():
            if task.status != "pending" or task.next_at > now:
                continue
            if now >= c.end:
                task.status, task.result = "failed", "campaign_ended"
                continue
            if not c.hours.is_open(now):
                task.next_at = self._next_open(now)
                continue
            if len(self._sent) >= c.per_minute:
                task.next_at = self._sent[0] + 60.0
                continue
            d = policy.decide(
                c.channel, now, opt_outs=opt_outs(task.customer), attempts=attempts(task.customer)
            )
            task.log.append((now, d.rule))
            if d.allowed:
                task.status, task.attempts = "active", task.attempts + 1
                self._sent.append(now)
                out.append(Dispatch(task, d))
            elif d.rule == "dnc":
                task.status, task.result = "stopped", "dnc"
            else:
                task.next_at = d.retry_at if d.retry_at is not None else c.end
        return out

    def outcome(self, customer: str, result: str, now: float) -> Task:
        if result not in OUTCOMES:
            raise ValueError(f"result must be one of {OUTCOMES}, got {result!r}")
        task = self.tasks[customer]
        task.result = result
        delay = (
            getattr(self.campaign.retry, result, None) if result in Retry.__annotations__ else None
        )
        if result in ("reached", "refused"):
            task.status = "done"
        elif delay is None:
            task.status = "stopped" if result == "wrong_number" else "failed"
        elif task.attempts >= self.campaign.max_attempts:
            task.status = "failed"
        else:
            task.status, task.next_at = "pending", now + delay
        return task

    def next_wake(self) -> float | None:
        pending = [t.next_at for t in self.tasks.values() if t.status == "pending"]
        return min(pending) if pending else None

    def results(self) -> Mapping[str, int]:
        counts: dict[str, int] = {}
        for t in self.tasks.values():
            key = f"{t.status}:{t.result}" if t.result else t.status
            counts[key] = counts.get(key, 0) + 1
        return counts

    def _next_open(self, now: float) -> float:
        nxt = self.campaign.hours.next_open(now)
        return self.campaign.end if nxt is None else min(nxt, self.campaign.end)
