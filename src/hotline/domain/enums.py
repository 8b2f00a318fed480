"""Enumerations whose string values are stored in the database and sent over the API.

Renaming a value is a data migration, so values are lower_snake strings chosen once.
"""

from enum import StrEnum


class Channel(StrEnum):
    """The medium a contact arrives on; voice and callback hold an agent exclusively."""

    VOICE = "voice"
    CHAT = "chat"
    CALLBACK = "callback"
    EMAIL = "email"

    @property
    def exclusive(self) -> bool:
        """True when an agent can serve only one such contact at a time (chat is concurrent)."""
        return self is not Channel.CHAT


class AgentState(StrEnum):
    """The agent state machine; legal moves live in `hotline.routing.agent_fsm`."""

    OFFLINE = "offline"
    AVAILABLE = "available"
    NOT_READY = "not_ready"
    RESERVED = "reserved"
    BUSY = "busy"
    WRAP_UP = "wrap_up"


class ContactStatus(StrEnum):
    """Where a contact is in its life; `ENDED` is terminal and carries an `Outcome`."""

    SCHEDULED = "scheduled"  # a callback waiting for its due time / opening hours
    QUEUED = "queued"
    OFFERED = "offered"
    ACTIVE = "active"  # with an agent (talking / chatting / dialling out)
    HELD = "held"
    ENDED = "ended"


class Outcome(StrEnum):
    """Why a contact ended; KPIs and callback creation key on this."""

    COMPLETED = "completed"
    ABANDONED = "abandoned"
    TRANSFERRED = "transferred"  # left this contact record for another queue/agent (same id kept)
    OVERFLOWED_OUT = "overflowed_out"  # handed to another center
    OUT_OF_HOURS = "out_of_hours"
    NO_AGENT = "no_agent"  # overflow to nowhere / nobody can ever serve it
    CALLBACK_FAILED = "callback_failed"  # every dial-out attempt failed
    # The waiting caller asked to be called back (press 9): not an abandon - the center kept
    # its promise by making a callback task that keeps the caller's place in line.
    CALLBACK_REQUESTED = "callback_requested"
    # Blind-transferred to a number outside the center (a field team): served elsewhere.
    TRANSFERRED_OUT = "transferred_out"


class Strategy(StrEnum):
    """How to pick among several eligible idle agents."""

    LONGEST_IDLE = "longest_idle"
    HIGHEST_PROFICIENCY = "highest_proficiency"
    LEAST_OCCUPIED = "least_occupied"
    ROUND_ROBIN = "round_robin"
