"""Inputs to the router: frozen values describing what happened outside it.

Channel adapters, the API and the simulator all speak only these. Time is never inside an
event: it is the `now` argument of `Router.handle`, so a recorded log replays exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

from hotline.domain.enums import Channel


@dataclass(frozen=True, slots=True)
class ContactArrived:
    """A customer reached a queue (after the IVR, or a chat asking for a person)."""

    contact_id: str
    queue: str
    channel: Channel = Channel.VOICE
    customer: str | None = None
    priority: int = 0
    green: bool = False
    language: str | None = None
    intent: str | None = None
    skills: tuple[tuple[str, int], ...] = ()  # extra requirements, e.g. (("vip", 5),)
    waited_s: float = 0.0  # already waited elsewhere (handed over by a peer center): kept
    region: str | None = None  # the IVR's answer; None = from the number (`domain.regions`)


@dataclass(frozen=True, slots=True)
class ContactHandedOff:
    """A peer center accepted this waiting contact: it ends here as overflowed out."""

    contact_id: str
    center: str


@dataclass(frozen=True, slots=True)
class CustomerLeft:
    """The customer hung up / closed the chat: an abandon while waiting, an end while served.

    `callback`: the waiting customer asked to be called back (the IVR's "press 9") - the
    contact ends `callback_requested`, never `abandoned`, so no KPI counts a caller the center
    promised to call as one who gave up; its callback task keeps the caller's place in line.
    """

    contact_id: str
    callback: bool = False


@dataclass(frozen=True, slots=True)
class AgentLogin:
    """An agent signs in; `ready=False` starts in not-ready (reason `login`).

    `channels` is what the agent's devices can take: a desk phone alone takes voice but not a
    chat or a callback task (nothing could show or dial it); None means a desktop (any).
    """

    agent_id: str
    ready: bool = True
    channels: frozenset[Channel] | None = None


@dataclass(frozen=True, slots=True)
class AgentPhone:
    """The registrar saw the agent's phone (desk phone or softphone) register or drop.

    While it is not registered the agent takes no voice contacts - nothing would ring - but
    keeps their state and their chats. An agent the registrar never reported on (a static
    phone URI) takes voice as before.
    """

    agent_id: str
    registered: bool


@dataclass(frozen=True, slots=True)
class AgentLogout:
    agent_id: str


@dataclass(frozen=True, slots=True)
class AgentReady:
    """The agent (or a supervisor forcing it) makes the agent available."""

    agent_id: str


@dataclass(frozen=True, slots=True)
class AgentNotReady:
    """Break, training, meeting, after-call work…; while busy it takes effect when free."""

    agent_id: str
    reason: str = "break"


@dataclass(frozen=True, slots=True)
class OfferAccepted:
    agent_id: str
    contact_id: str


@dataclass(frozen=True, slots=True)
class OfferDeclined:
    agent_id: str
    contact_id: str


@dataclass(frozen=True, slots=True)
class ContactCompleted:
    """The agent finished a contact. For a callback, `reached=False` means nobody answered;
    `result` says how the dial-out ended (no_answer, busy, short_answer...), kept on the
    attempt's fact."""

    agent_id: str
    contact_id: str
    reached: bool = True
    wrap_up_s: float | None = None  # None = the queue's default after-call work
    result: str | None = None


@dataclass(frozen=True, slots=True)
class WrapUpDone:
    """The agent ends after-call work early (the timer ends it otherwise)."""

    agent_id: str


@dataclass(frozen=True, slots=True)
class TransferToQueue:
    agent_id: str
    contact_id: str
    queue: str


@dataclass(frozen=True, slots=True)
class TransferToAgent:
    agent_id: str
    contact_id: str
    target_agent_id: str


@dataclass(frozen=True, slots=True)
class Hold:
    agent_id: str
    contact_id: str


@dataclass(frozen=True, slots=True)
class Resume:
    agent_id: str
    contact_id: str


@dataclass(frozen=True, slots=True)
class ConsultStart:
    """The agent holds the caller and calls a specialist: `target_agent_id`, or whoever is
    free now in `queue` (exactly one). The specialist is reserved by the router like an offer,
    so nothing else is offered to them while their phone rings."""

    agent_id: str
    contact_id: str
    target_agent_id: str | None = None
    queue: str | None = None


@dataclass(frozen=True, slots=True)
class ConsultAnswered:
    """The specialist's phone picked up (the gateway reports it): reserved -> busy."""

    contact_id: str
    agent_id: str


@dataclass(frozen=True, slots=True)
class ConsultEnd:
    """The holding agent ends the consult: `transfer` (the caller goes to the specialist, the
    agent is freed), `conference` (all three talk), or `return` (back to the caller; the
    specialist is freed). `return` also cancels a consult still ringing."""

    agent_id: str
    contact_id: str
    how: str


@dataclass(frozen=True, slots=True)
class ConsultLeft:
    """A party of the consult hung up or never answered (the gateway reports it). The
    specialist leaving frees them; the holding agent hanging up while the specialist is on
    the line hands the caller over (attended transfer by hang-up, as desk phones do)."""

    contact_id: str
    agent_id: str
    reason: str = "hangup"


@dataclass(frozen=True, slots=True)
class TransferOut:
    """Blind transfer to a number outside the center (a field team): the contact ends
    `transferred_out` and the agent is free at once; the gateway dials and bridges."""

    agent_id: str
    contact_id: str
    number: str


@dataclass(frozen=True, slots=True)
class MoveContact:
    """A supervisor moves a waiting contact to another queue (it keeps its place in line)."""

    contact_id: str
    queue: str


@dataclass(frozen=True, slots=True)
class SetGreen:
    """A supervisor marks a waiting contact green-channel (served before everyone else)."""

    contact_id: str
    on: bool = True


Event = (
    ContactArrived
    | CustomerLeft
    | AgentLogin
    | AgentPhone
    | AgentLogout
    | AgentReady
    | AgentNotReady
    | OfferAccepted
    | OfferDeclined
    | ContactCompleted
    | WrapUpDone
    | TransferToQueue
    | TransferToAgent
    | Hold
    | Resume
    | ConsultStart
    | ConsultAnswered
    | ConsultEnd
    | ConsultLeft
    | TransferOut
    | MoveContact
    | SetGreen
    | ContactHandedOff
)
