"""`EventRecord`: one stored fact of a contact's or agent's timeline.

The router emits these records, the store appends them, and KPIs, reports, the wallboard stream
and the simulator all read this one shape. The vocabulary of `kind` values is listed in `KINDS`
so that readers and writers agree. The router's own kinds (`contact.*`, `agent.*`) have typed
facts in `hotline.domain.facts` (`fact(record)` -> `Answered`, `Ended`, ...; `.record()` back,
exactly): adapters match on those types instead of kind strings and data keys.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

KINDS: dict[str, str] = {
    "contact.created": "data: channel, customer, priority, green, language, intent, origin_id",
    "contact.scheduled": "a callback waits until data.due_at",
    "contact.queued": "entered a queue; data: ewt_s (None = unknown), position, stage",
    "contact.offered": "offered to agent_id; data: expires_at",
    "contact.offer_revoked": "offer withdrawn; data: reason (timeout/declined/abandoned)",
    "contact.answered": "agent accepted; data: wait_s (since enqueued_at, the place in line)",
    "contact.held": "put on hold by the agent",
    "contact.resumed": "taken off hold",
    "contact.transferred": "data: from_agent, to_queue or to_agent (consult=True after a "
    "consult), or to_number (a blind transfer out)",
    "contact.consult_started": "the agent holds the caller and calls a specialist; data: "
    "to_agent, to_queue, from_agent, expires_at",
    "contact.consult_answered": "the specialist answered the consult; data: to_agent",
    "contact.consult_ended": "data: how (transfer | conference | return | no_answer | failed | "
    "left | customer_left | completed), to_agent, to_queue, consult_s, [by, conference_s, reason]",
    "contact.conference": "the consult became a three-way call; data: parties",
    "contact.moved": "moved between queues by a supervisor; data: from_queue, to_queue",
    "contact.overflowed": "data: from_queue, to_queue or to_center, rule",
    "contact.relaxed": "skill requirements lowered; data: stage, min_level",
    "contact.green": "green channel switched; data: on",
    "contact.callback_created": "on the origin contact; data: callback_id, due_at",
    "contact.callback_attempt": "a dial-out attempt; data: reached, attempt",
    "contact.ended": "terminal; data: outcome, wait_s, talk_s",
    "contact.note": "an agent's note / disposition code; data: disposition, note",
    "chat.handover": "the bot handed a chat to the queue; data: session_id, chat_channel, "
    "messages, last_question, bot_answers, transcript",
    "chat.message": "a chat message for the serving agent; data: session_id, message_id, kind",
    "order.*": "work-order facts (created, assigned, escalated, resolved, …) for the wallboard",
    "survey.unhappy": "a dissatisfied survey answer (feeds escalation)",
    "voice.*": "voice gateway facts (answered, ivr, bridged, recording, survey, hangup, call "
    "summary, callback_requested); see hotline.web.routes.voice",
    "kb.used": "the agent quoted a KB suggestion; data: query, article_id or template_id, rank",
    "qa.analysed": "quality check done; data: score, flagged, findings, asr",
    "agent.state": "data: from, to, reason",
    "agent.phone": "the agent's registered phone came or went (registrar); data: registered",
    "compliance.notice": "recording/processing notice played or shown (PIPL Art. 17); data: notice",
    "federation.transferred_in": "a peer's contact queued here; data: from_center, home_center, "
    "from_queue, waited_s, transcript, ivr_path, intent, customer_data",
    "federation.refused": "a transfer to a peer failed, the contact stayed; data: peer, reason",
    "federation.withdrawn": "a transferred contact taken back by its sender; data: from_center",
    "emergency.on": "an emergency plan switched on; data: plan, banner, by",
    "emergency.off": "the emergency plan switched off; data: plan, by",
}


@dataclass(frozen=True, slots=True)
class EventRecord:
    """One timeline fact. `seq` is assigned by the store (0 until stored)."""

    at: float
    kind: str
    contact_id: str | None = None
    agent_id: str | None = None
    queue: str | None = None
    channel: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    seq: int = 0
