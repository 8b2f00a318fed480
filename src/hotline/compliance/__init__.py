"""Compliance rules as values: contact policy (do-not-call, quiet hours, frequency caps),
retention and legal holds, recording notice. Pure: no store, web or clock reads - callers pass
the facts in (opt-outs, earlier attempts, `now`) and get decisions they can log."""

from hotline.compliance.policy import (
    Attempt,
    Cap,
    Check,
    ContactPolicy,
    Decision,
    OptOut,
    is_opt_out,
    normalise_identifier,
)

__all__ = [
    "Attempt",
    "Cap",
    "Check",
    "ContactPolicy",
    "Decision",
    "OptOut",
    "is_opt_out",
    "normalise_identifier",
]
