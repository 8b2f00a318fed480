"""Read-side QA reports: score per agent per day, keyword search, hot topics.

Computed from the stored results on request (a day of a large center is a few thousand rows);
search folds the query like the transcripts (KB folding + punctuation dropped), so 退費 finds
退费 and "Not my job" finds "not my job".
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from zoneinfo import ZoneInfo

from hotline.qa.phrases import normalise
from hotline.qa.topics import cluster, spikes
from hotline.store.qa import QaStore

MAX_ROWS = 20000


def _day(ts: float, tz: ZoneInfo) -> str:
    return datetime.fromtimestamp(ts, tz).date().isoformat()


def agent_days(qa: QaStore, start: float, end: float, tz: str, agent_id: str | None = None):
    """Per agent per local day: contacts checked, mean score, flagged contacts."""
    zone = ZoneInfo(tz)
    acc: dict[tuple[str, str], list] = defaultdict(lambda: [0, 0.0, 0, 0])
    for r in qa.results(agent_id=agent_id, start=start, end=end, limit=MAX_ROWS):
        if not r["agent_id"]:
            continue
        a = acc[(r["agent_id"], _day(r["contact_at"], zone))]
        a[0] += 1
        if r["score"] is not None:
            a[1] += r["score"]
            a[2] += 1
        a[3] += bool(r["flagged"])
    return [
        {
            "agent_id": agent,
            "day": day,
            "contacts": n,
            "score": round(total / scored, 1) if scored else None,
            "flagged": flagged,
        }
        for (agent, day), (n, total, scored, flagged) in sorted(acc.items())
    ]


def search(qa: QaStore, query: str, limit: int = 50, **filters) -> list[dict]:
    """Contacts whose transcript or chat contains `query`, with each place it was said."""
    needle, _ = normalise(query)
    if not needle:
        return []
    out = []
    for r in qa.results(limit=MAX_ROWS, **filters):
        hits = []
        for s in r["transcript"]:
            text, _ = normalise(s["text"])
            if needle in text:
                hits.append({"at": s["start"], "speaker": s["speaker"], "text": s["text"]})
        if hits:
            keys = ("contact_id", "source", "agent_id", "queue", "contact_at", "score")
            out.append({**{k: r[k] for k in keys}, "flagged": bool(r["flagged"]), "hits": hits})
            if len(out) >= limit:
                break
    return out


def hot_topics(qa: QaStore, start: float, end: float, tz: str) -> dict:
    """Topics of what customers said in [start, end), daily counts, and spike alerts."""
    zone = ZoneInfo(tz)
    texts, days = [], []
    for r in qa.results(start=start, end=end, limit=MAX_ROWS):
        said = " ".join(s["text"] for s in r["transcript"] if s["speaker"] == "customer")
        if said.strip():
            texts.append(said)
            days.append(_day(r["contact_at"], zone))
    labels, topics = cluster(texts)
    order = sorted(set(days))
    index = {d: i for i, d in enumerate(order)}
    daily = {t.id: [0] * len(order) for t in topics}
    for lab, d in zip(labels, days, strict=True):
        daily[lab][index[d]] += 1
    alerts = [
        {
            "topic": s.topic,
            "label": next(t.label for t in topics if t.id == s.topic),
            "day": order[s.day],
            "count": s.count,
            "baseline": s.baseline,
            "ratio": s.ratio,
        }
        for s in spikes(daily)
    ]
    return {
        "days": order,
        "topics": [
            {"id": t.id, "label": t.label, "size": t.size, "daily": daily[t.id]} for t in topics
        ],
        "alerts": alerts,
    }
