"""Outbound campaigns (主动服务: bill reminders, package expiry, planned-outage notices) that run.

A campaign is stored with one task per customer; `run_round(now)` is the runner the server calls
every few seconds. Each round loads a running campaign's tasks into the pure core
(`hotline.outbound.CampaignRun`), which applies the schedule, the pacing cap and the contact
policy (do-not-call list, quiet hours, holidays, frequency caps: `hotline.compliance`), then:

* every attempt the core dispatches is logged with the rule that allowed it, in the same
  attempt log the policy reads (so caps count campaign and agent attempts alike);
* an SMS goes out through the center's notifier (`HOTLINE_NOTIFY_*`: the webhook or SMS
  gateway the work orders use); delivered = reached, a failed delivery is retried like a
  no-answer, up to the campaign's attempts;
* the tasks are written back in one transaction, only while the campaign still runs (a pause in
  the middle of a round wins).

Voice campaigns are stored and validated, but their dialling waits for the gateway's outbound
leg (issue 13): `run_round` leaves them untouched and says so in `RoundReport.waiting_voice`.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from hotline.compliance.policy import normalise_identifier
from hotline.domain.hours import BusinessHours, HoursSpecError
from hotline.notify import Notification, Notifier, RetryLater
from hotline.outbound import Campaign, CampaignRun
from hotline.outbound.campaign import Retry, Task
from hotline.services.compliance import ComplianceService
from hotline.store import Store
from hotline.store.campaigns import CampaignRecord, CampaignStore, TaskRecord
from hotline.store.tickets import TicketStore

CAMPAIGN_CHANNELS = ("sms", "voice")
MAX_CUSTOMERS = 100_000
STATUSES = ("draft", "running", "paused", "done")


class CampaignError(ValueError):
    """A refused campaign request; `field` names what to fix."""

    def __init__(self, field: str, reason: str, status: int = 422) -> None:
        super().__init__(f"{field}: {reason}")
        self.field, self.reason, self.status = field, reason, status


@dataclass(frozen=True, slots=True)
class RoundReport:
    sent: int = 0
    failed: int = 0
    waiting_voice: int = 0  # voice campaigns running but not dialled (see module docstring)


class CampaignService:
    def __init__(
        self,
        store: Store,
        notifier: Notifier,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.repo = CampaignStore(store.engine)
        self.customers = TicketStore(store.engine)  # customer profiles (areas, numbers)
        self.compliance = ComplianceService(store, clock)
        self.notifier = notifier
        self.clock = clock

    # -- managing -------------------------------------------------------------------------------

    def create(self, spec: Mapping[str, Any], by: str) -> CampaignRecord:
        """Validate `spec` (CampaignError names the field) and store it as a draft."""
        channel = spec.get("channel", "sms")
        if channel not in CAMPAIGN_CHANNELS:
            raise CampaignError("channel", f"must be one of {list(CAMPAIGN_CHANNELS)}")
        message = str(spec.get("message") or "").strip()
        if channel == "sms" and not message:
            raise CampaignError("message", "an SMS campaign needs the text it sends")
        customers = [normalise_identifier(str(c)) for c in spec.get("customers") or []]
        customers = [c for c in customers if c]
        if not customers:
            raise CampaignError("customers", "at least one customer")
        if len(customers) > MAX_CUSTOMERS:
            raise CampaignError("customers", f"at most {MAX_CUSTOMERS} per campaign")
        if any(len(c) > 64 for c in customers):
            raise CampaignError("customers", "an identifier is longer than 64 characters")
        start, end = float(spec["start"]), float(spec["end"])
        if not end > start:
            raise CampaignError("end", "must be after start")
        tz = self.compliance.timezone()
        try:
            BusinessHours.parse(spec.get("hours") or "24x7", tz)
        except HoursSpecError as exc:
            raise CampaignError("hours", str(exc)) from None
        retry = dict(spec.get("retry") or {})
        unknown = set(retry) - set(Retry.__annotations__)
        if unknown:
            raise CampaignError("retry", f"unknown outcome {sorted(unknown)[0]!r}")
        rec = CampaignRecord(
            id=str(spec.get("id") or uuid.uuid4().hex[:12]),
            name=str(spec.get("name") or "campaign"),
            channel=channel,
            message=message,
            status="draft",
            spec={
                "start": start,
                "end": end,
                "hours": spec.get("hours") or "24x7",
                "max_attempts": int(spec.get("max_attempts", 3)),
                "per_minute": int(spec.get("per_minute", 10)),
                "retry": retry,
            },
            created_by=by,
            created_at=self.clock(),
        )
        self.repo.create(rec, customers, start)
        return rec

    def from_calendar(self, event: Mapping[str, Any], by: str) -> CampaignRecord:
        """A customer-calendar event (package expiry, appointment, planned outage in an area)
        becomes a running campaign whose attempts start `days_before` days ahead of it.

        `{"kind", "at", "days_before", "message", "customer" | "area"}`; an area reaches every
        customer profile there with a phone number."""
        kind = str(event.get("kind") or "").strip()
        if not kind:
            raise CampaignError("kind", "what the event is, e.g. package_expiry")
        at = float(event["at"])
        days = float(event.get("days_before", 1))
        if not 0 <= days <= 60:
            raise CampaignError("days_before", "between 0 and 60")
        customer, area = event.get("customer"), event.get("area")
        if bool(customer) == bool(area):
            raise CampaignError("customer", "give either a customer or an area")
        who = [str(customer)] if customer else self.customers.phones_in_area(str(area))
        if not who:
            raise CampaignError("area", f"no customer with a phone number in area {area!r}")
        start = max(self.clock(), at - days * 86400)
        if not at > start:
            raise CampaignError("at", "the event is already past")
        spec = {
            "name": f"{kind} {area or ''}".strip(),
            "channel": event.get("channel", "sms"),
            "message": event.get("message"),
            "customers": who,
            "start": start,
            "end": at,
            "hours": event.get("hours") or "24x7",
        }
        rec = self.create(spec, by)
        self.start(rec.id)
        return rec

    def start(self, campaign_id: str) -> None:
        self._move(campaign_id, ("draft", "paused"), "running")

    def pause(self, campaign_id: str) -> None:
        self._move(campaign_id, ("running",), "paused")

    def _move(self, campaign_id: str, sources: tuple[str, ...], target: str) -> None:
        rec = self.repo.get(campaign_id)
        if rec.status not in sources:
            raise CampaignError("status", f"a {rec.status} campaign cannot become {target}", 409)
        self.repo.set_status(campaign_id, target)

    # -- running --------------------------------------------------------------------------------

    def run_round(self, now: float | None = None) -> RoundReport:
        now = self.clock() if now is None else now
        sent = failed = waiting = 0
        for rec in self.repo.list("running"):
            if rec.channel != "sms":
                waiting += 1
                continue
            s, f = self._round(rec, now)
            sent, failed = sent + s, failed + f
        return RoundReport(sent, failed, waiting)

    def _round(self, rec: CampaignRecord, now: float) -> tuple[int, int]:
        run, last_at = self._load(rec)
        repo = self.compliance.repo
        dispatches = run.step(
            now,
            self.compliance.contact_policy(),
            repo.opt_outs,
            lambda c: repo.attempts(c, now - 8 * 86400),
        )
        sent = failed = 0
        for d in dispatches:
            task = d.task
            fact = d.decision.as_fact() | {"campaign": rec.id, "attempt": task.attempts}
            repo.log_attempt(task.customer, rec.channel, now, f"campaign:{rec.id}", fact)
            last_at[task.customer] = now
            try:
                delivery = self.notifier.send(
                    Notification(task.customer, "campaign", rec.message, None, {"campaign": rec.id})
                )
                ok = delivery.ok
            except RetryLater:
                ok = False
            run.outcome(task.customer, "reached" if ok else "no_answer", now)
            sent, failed = sent + ok, failed + (not ok)
        done = all(t.status != "pending" for t in run.tasks.values())
        self.repo.save_round(rec.id, _records(run, last_at), done)
        return sent, failed

    def _load(self, rec: CampaignRecord) -> tuple[CampaignRun, dict[str, float | None]]:
        spec = rec.spec
        campaign = Campaign(
            id=rec.id,
            channel=rec.channel,
            start=spec["start"],
            end=spec["end"],
            hours=BusinessHours.parse(spec["hours"], self.compliance.timezone()),
            max_attempts=spec["max_attempts"],
            per_minute=spec["per_minute"],
            retry=replace(Retry(), **spec.get("retry", {})),
        )
        stored = self.repo.tasks(rec.id)
        tasks = [Task(t.customer, t.next_at, t.attempts, t.status, t.result) for t in stored]
        sent = [t.last_at for t in stored if t.last_at is not None]
        return CampaignRun.resume(campaign, tasks, sent), {t.customer: t.last_at for t in stored}

    # -- reading --------------------------------------------------------------------------------

    def view(self, campaign_id: str) -> dict[str, Any]:
        rec = self.repo.get(campaign_id)
        return {
            "id": rec.id,
            "name": rec.name,
            "channel": rec.channel,
            "message": rec.message,
            "status": rec.status,
            "created_by": rec.created_by,
            "created_at": rec.created_at,
            **rec.spec,
            "results": self.repo.counts(rec.id),
        }


def _records(run: CampaignRun, last_at: Mapping[str, float | None]) -> list[TaskRecord]:
    return [
        TaskRecord(t.customer, t.status, t.attempts, t.next_at, t.result, last_at.get(c))
        for c, t in run.tasks.items()
    ]
