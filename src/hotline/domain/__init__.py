"""Frozen values and enums shared by every layer. No I/O, no clock, no randomness."""

from hotline.domain.enums import AgentState, Channel, ContactStatus, Outcome, Strategy
from hotline.domain.models import (
    AgentConfig,
    CenterConfig,
    OverflowRule,
    QueueConfig,
    RelaxStep,
    RoutingWeights,
    SkillRequirement,
)

__all__ = [
    "AgentConfig",
    "AgentState",
    "CenterConfig",
    "Channel",
    "ContactStatus",
    "Outcome",
    "OverflowRule",
    "QueueConfig",
    "RelaxStep",
    "RoutingWeights",
    "SkillRequirement",
    "Strategy",
]
