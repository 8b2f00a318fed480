"""The IVR: flows as data, a pure interpreter (events in, commands out) and the queue experience.

Nothing here does I/O or reads the clock: the voice gateway (`hotline.channels.sip`) feeds
events with `now` and executes the commands.
"""

from hotline.ivr.commands import (
    CallerHangup,
    Digit,
    Hangup,
    IvrCommand,
    IvrEvent,
    IvrResult,
    Play,
    PlayDone,
    RequestCallback,
    Score,
    StartTimer,
    StopPlay,
    Timeout,
    Transfer,
)
from hotline.ivr.flow import Flow, FlowError, Node, PromptSpec, WaitingPlan, parse_flow
from hotline.ivr.session import IvrSession
from hotline.ivr.waiting import WaitingSession, ewt_prompts, position_prompts

__all__ = [
    "CallerHangup",
    "Digit",
    "Flow",
    "FlowError",
    "Hangup",
    "IvrCommand",
    "IvrEvent",
    "IvrResult",
    "IvrSession",
    "Node",
    "Play",
    "PlayDone",
    "PromptSpec",
    "RequestCallback",
    "Score",
    "StartTimer",
    "StopPlay",
    "Timeout",
    "Transfer",
    "WaitingPlan",
    "WaitingSession",
    "ewt_prompts",
    "parse_flow",
    "position_prompts",
]
