"""What the contact card and the desk timers read from a contact's timeline, beside the router.

* `ivr_summary` - the IVR path the caller took (`voice.ivr` fact of the voice gateway): nodes,
  digits, how it ended, seconds in the IVR; for a callback task, its original call's.
* `hold_times` - hold time so far and since when the contact is on hold (`contact.held` /
  `contact.resumed`), for the desk's hold timer; the router keeps no hold clock of its own.
* `last_rating` - the customer's latest satisfaction answer among the earlier contacts shown.
"""

from __future__ import annotations

from typing import Any

from hotline.routing.snapshot import ContactSnapshot
from hotline.web.deps import Service


def ivr_summary(service: Service, snap: ContactSnapshot) -> dict[str, Any] | None:
    for cid in filter(None, (snap.id, snap.origin_id)):
        facts = [e for e in service.store.events_for_contact(cid) if e.kind == "voice.ivr"]
        if facts:
            d = facts[-1].data
            return {
                "path": [str(n) for n in d.get("path") or []],
                "digits": d.get("digits") or "",
                "outcome": d.get("outcome"),
                "contained": bool(d.get("contained")),
                "ivr_s": d.get("ivr_s"),
            }
    legacy = snap.data.get("ivr_path") if isinstance(snap.data, dict) else None
    return {"path": list(legacy), "digits": "", "outcome": None} if legacy else None


def hold_times(service: Service, contact_id: str) -> tuple[float, float | None]:
    """(seconds of the holds that ended, start of the current hold or None); the desk adds the
    running hold itself, so its timer ticks without re-reading."""
    total, since = 0.0, None
    for e in service.store.events_for_contact(contact_id):
        if e.kind == "contact.held":
            since = e.at
        elif e.kind == "contact.resumed" and since is not None:
            total += e.at - since
            since = None
    return total, since


def last_rating(history: list[dict[str, Any]]) -> dict[str, Any] | None:
    rated = [h for h in history if h.get("rating")]
    if not rated:
        return None
    h = max(rated, key=lambda h: h["rated_at"] or 0)
    return {"rating": h["rating"], "at": h["rated_at"], "contact_id": h["id"]}
