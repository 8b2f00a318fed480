"""The QA service: find what to analyse, run the analysis, store it, and handle reviews.

* `scan()` reads the timeline after its cursor for `voice.recording` facts and the chat
  sessions that ended after its cursor, and queues one job per contact (a call's second
  recording re-queues it, so both channels are analysed together);
* `work(worker)` claims one due job, analyses it (VAD always, ASR when a model covers the
  language), stores transcript + findings + score, and puts a `qa.analysed` fact on the
  contact's timeline; the lease is renewed with each progress report, so a killed worker's
  job is picked up again after the lease;
* reviews: supervisors confirm or dismiss findings; the agent may dispute a finding once, and
  the dispute must be decided by a *different* reviewer. Every decision rescores the contact.

Recordings: each leg's file holds what that leg *heard* (`hotline.channels.sip.calls`): the
caller-leg file is the agent's (and IVR's) voice, the agent-leg file the customer's. So the
speaker comes from the leg, with no diarisation.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hotline.domain.records import EventRecord
from hotline.qa.analyse import Analyser, Analysis
from hotline.qa.asr import AsrBackend, NoModel, Segment, default_backend
from hotline.qa.audio import AudioError, read_wav
from hotline.qa.rubric import FindingRef, score
from hotline.qa.rules import QaRules, load_rules
from hotline.store import NotFoundError, Store
from hotline.store.kb import ChatStore
from hotline.store.qa import QaStore

log = logging.getLogger(__name__)

LEG_SPEAKER = {"caller": "agent", "agent": "customer"}
CHAT_SPEAKER = {"customer": "customer", "agent": "agent", "bot": "bot"}
ASR_ENV = "HOTLINE_QA_ASR"  # "off": VAD and text rules only
WORKERS_ENV = "HOTLINE_QA_WORKERS"


class ReviewError(ValueError):
    """A review step that is not allowed now (status, role, second reviewer); `code` = HTTP."""

    def __init__(self, message: str, code: int = 409) -> None:
        super().__init__(message)
        self.code = code


def max_workers(requested: int | None = None) -> int:
    """At most one worker per core (ASR is CPU-bound; more would only thrash)."""
    cores = os.cpu_count() or 1
    want = requested or int(os.environ.get(WORKERS_ENV, "1"))
    return max(1, min(want, cores))


@dataclass
class _Models:
    """One ASR backend per model per process (loading Whisper costs a second or two)."""

    cpu_threads: int = 1

    def __post_init__(self) -> None:
        self._cache: dict[str, AsrBackend] = {}
        self._lock = threading.Lock()

    def __call__(self, language: str) -> AsrBackend:
        with self._lock:
            b = self._cache.get(language)
            if b is None:
                b = self._cache[language] = default_backend(language, self.cpu_threads)
            return b


class QaService:
    def __init__(
        self,
        store: Store,
        *,
        rules: QaRules | None = None,
        asr: Callable[[str], AsrBackend] | bool | None = True,
        annotate: Callable[[EventRecord], Any] | None = None,
        clock: Callable[[], float] = time.time,
        settle_s: float = 3.0,
        lease_s: float = 300.0,
    ) -> None:
        self.store = store
        self.qa = QaStore(store.engine)
        self.chats = ChatStore(store.engine)
        self.rules = rules or load_rules()
        self.analyser = Analyser(self.rules)
        if asr is True:
            asr = None if os.environ.get(ASR_ENV, "on") == "off" else _Models()
        self.asr = asr or None
        self.annotate = annotate or (lambda r: store.append([r]))
        self.clock = clock
        self.settle_s = settle_s
        self.lease_s = lease_s

    # -- finding work ---------------------------------------------------------------------
    def scan(self, pages: int = 20) -> int:
        """Queue contacts with new recordings or newly ended chats; returns how many."""
        queued, now = 0, self.clock()
        since = int(self.qa.cursor("events_seq"))
        for _ in range(pages):
            batch = self.store.events(since, limit=1000)
            for e in batch:
                if e.kind == "voice.recording" and e.contact_id:
                    queued += self.qa.enqueue(
                        e.contact_id, "call", e.seq, e.at + self.settle_s, now
                    )
            if not batch:
                break
            since = batch[-1].seq
            self.qa.set_cursor("events_seq", since)
        chat_since = self.qa.cursor("chat_ended_at")
        for s in self.qa.ended_chats(chat_since):
            queued += self.qa.enqueue(s["contact_id"], "chat", int(s["ended_at"]), now, now)
            self.qa.set_cursor("chat_ended_at", s["ended_at"])
        return queued

    def work(self, worker: str) -> str | None:
        """Claim and run one due job; returns its contact id (None when nothing is due)."""
        job = self.qa.claim(worker, self.clock(), self.lease_s)
        if job is None:
            return None
        cid = job["contact_id"]
        try:
            if job["source"] == "chat":
                analysis, meta = self._chat(cid)
            else:
                analysis, meta = self._call(cid, job["id"])
            self._store(job["id"], cid, analysis, meta)
        except (AudioError, NotFoundError, OSError, ValueError) as exc:
            self.qa.fail(job["id"], f"{type(exc).__name__}: {exc}", self.clock())
        except Exception as exc:  # a bug must not wedge the job until its lease runs out
            log.exception("QA of %s failed", cid)
            self.qa.fail(job["id"], f"{type(exc).__name__}: {exc}", self.clock())
        return cid

    def drain(self, workers: int = 1, worker_name: str = "cli") -> int:
        """Scan, then run every due job with up to `workers` threads; returns jobs run."""
        self.scan()
        done = 0
        lock = threading.Lock()

        def loop(n: int) -> None:
            nonlocal done
            while self.work(f"{worker_name}-{os.getpid()}-{n}") is not None:
                with lock:
                    done += 1

        threads = [threading.Thread(target=loop, args=(n,)) for n in range(max_workers(workers))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return done

    # -- analysis -------------------------------------------------------------------------
    def _call(self, cid: str, job_id: int) -> tuple[Analysis, dict]:
        events = self.store.events_for_contact(cid)
        files = []
        for e in events:
            if e.kind == "voice.recording":
                for f in e.data.get("files", ()):
                    files.append((e.at, f))
        if not files:
            raise NotFoundError(f"contact {cid} has no recording")
        audio, starts = {}, {}
        parts = []  # (fact time, file, speaker, channel): a stereo file is both speakers
        for at, f in files:
            if f.get("leg") == "stereo":  # caller left, agent side right (gateway `stereo`)
                parts += [(at, f, "customer", 0), (at, f, "agent", 1)]
            else:
                parts.append((at, f, LEG_SPEAKER.get(f.get("leg"), f.get("leg") or "agent"), None))
        for at, f, speaker, channel in parts:
            a = read_wav(Path(f["path"]), channel)
            audio[speaker] = a
            dur = f.get("duration_s") or a.duration_s
            starts[speaker] = at - dur  # the fact is written as the file closes
        t0 = min(starts.values())
        channels = {spk: (audio[spk], round(starts[spk] - t0, 2)) for spk in audio}
        holds, held = [], None
        for e in events:
            if e.kind == "contact.held":
                held = e.at - t0
            elif e.kind == "contact.resumed" and held is not None:
                holds.append((held, e.at - t0))
                held = None
        snap = self.store.contact(cid)
        language = (snap.language if snap and snap.language else None) or self.rules.language
        analysis = self.analyser.call(
            channels,
            self.asr,
            language,
            holds,
            progress=lambda p: self.qa.progress(job_id, p, self.clock()),
        )
        meta = {
            "agent_id": snap.agent_id if snap else _last_agent(events),
            "queue": snap.queue if snap else None,
            "contact_at": snap.created_at if snap else t0,
            "language": language,
            "recordings": [
                {"speaker": s, "path": str(f["path"]), "offset_s": channels[s][1]}
                for _at, f, s, _ch in parts
            ],
        }
        return analysis, meta

    def _chat(self, cid: str) -> tuple[Analysis, dict]:
        session = self.chats.find_session(contact_id=cid)
        if session is None:
            raise NotFoundError(f"contact {cid} has no chat session")
        msgs = [m for m in self.chats.messages(session.id, limit=5000) if m.kind == "text"]
        t0 = msgs[0].at if msgs else session.created_at
        segments = [
            Segment(m.at - t0, m.at - t0, CHAT_SPEAKER[m.sender], m.body)
            for m in msgs
            if m.sender in CHAT_SPEAKER
        ]
        snap = self.store.contact(cid)
        meta = {
            "agent_id": session.agent_id or (snap.agent_id if snap else None),
            "queue": session.queue,
            "contact_at": session.created_at,
            "language": session.language,
            "recordings": [],
        }
        return self.analyser.chat(segments), meta

    def _store(self, job_id: int, cid: str, a: Analysis, meta: dict) -> None:
        findings = [
            {
                "agent_id": meta["agent_id"],
                "kind": f.kind,
                "rule": f.rule,
                "at_s": f.at,
                "end_s": f.end,
                "speaker": f.speaker,
                "text": f.text,
                "context": f.context,
                "method": f.method,
            }
            for f in a.findings
        ]
        # Reviewed findings survive a re-analysis: score over them plus the new open ones.
        kept = [x for x in self.qa.findings(cid) if x["status"] != "open"]
        refs = [FindingRef(f.kind, f.rule) for f in a.findings]
        refs += [FindingRef(x["kind"], x["rule"], x["status"]) for x in kept]
        old = self.qa.result(cid) or {}
        sc = score(self.rules, refs, acoustic=a.source == "call", manual=old.get("manual"))
        now = self.clock()
        result = {
            "contact_id": cid,
            "source": a.source,
            "agent_id": meta["agent_id"],
            "queue": meta["queue"],
            "contact_at": meta["contact_at"],
            "analysed_at": now,
            "language": meta["language"],
            "asr": a.asr,
            "duration_s": a.duration_s,
            "score": sc.score,
            "flagged": self._flagged(sc.score, refs),
            "transcript": [s.as_dict() for s in a.segments],
            "acoustics": a.acoustics.as_dict() if a.acoustics else {},
            "detail": {**sc.as_dict(), "recordings": meta["recordings"]},
        }
        self.qa.finish(job_id, result, findings, now)
        self.annotate(
            EventRecord(
                at=now,
                kind="qa.analysed",
                contact_id=cid,
                agent_id=meta["agent_id"],
                queue=meta["queue"],
                channel="voice" if a.source == "call" else "chat",
                data={
                    "score": result["score"],
                    "flagged": result["flagged"],
                    "findings": len(findings),
                    "asr": a.asr,
                },
            )
        )

    def _flagged(self, value: float | None, refs: list[FindingRef]) -> bool:
        standing = [r for r in refs if r.status in ("open", "confirmed", "disputed")]
        low = value is not None and value < self.rules.flag_below
        return low or any(r.kind == "forbidden" for r in standing)

    # -- reviews --------------------------------------------------------------------------
    def review(self, finding_id: int, reviewer: str, decision: str, note: str | None = None):
        """A supervisor's verdict: `confirm` / `dismiss` an open finding, or decide a dispute.

        A dispute must be decided by someone other than whoever reviewed the finding first.
        """
        status = {"confirm": "confirmed", "dismiss": "dismissed"}.get(decision)
        if status is None:
            raise ReviewError("decision must be confirm or dismiss", 422)
        f = self.qa.finding(finding_id)
        now = self.clock()
        if f["status"] == "open":
            f = self.qa.update_finding(
                finding_id, "open", status=status, reviewer=reviewer, reviewed_at=now, note=note
            )
        elif f["status"] == "disputed":
            if reviewer in (f["reviewer"], f["disputed_by"]):
                raise ReviewError("a dispute goes to another reviewer than the first one", 403)
            f = self.qa.update_finding(
                finding_id, "disputed", status=status, final_by=reviewer, final_at=now, note=note
            )
        else:
            raise ReviewError(f"finding {finding_id} is already {f['status']}")
        self.rescore(f["contact_id"])
        return f

    def dispute(self, finding_id: int, agent_id: str, username: str, reason: str) -> dict:
        """The agent disputes a finding against them, once; it goes back to review."""
        f = self.qa.finding(finding_id)
        if f["agent_id"] != agent_id:
            raise ReviewError("agents may dispute only their own findings", 403)
        if f["disputed_by"] is not None:
            raise ReviewError("this finding was already disputed once")
        if f["status"] not in ("open", "confirmed"):
            raise ReviewError(f"a {f['status']} finding cannot be disputed")
        f = self.qa.update_finding(
            finding_id,
            f["status"],
            status="disputed",
            disputed_by=username,
            disputed_at=self.clock(),
            dispute_reason=reason,
        )
        self.rescore(f["contact_id"])
        return f

    def mark(self, contact_id: str, item: str, passed: bool) -> dict:
        """A reviewer's mark on a manual rubric item."""
        if item not in {i.id for i in self.rules.rubric if i.auto is None}:
            raise ReviewError(f"item {item!r} is not a manual rubric item", 422)
        res = self.qa.result(contact_id)
        if res is None:
            raise NotFoundError(f"contact {contact_id} has no QA result")
        manual = {**(res["manual"] or {}), item: bool(passed)}
        return self.rescore(contact_id, manual)

    def rescore(self, contact_id: str, manual: dict | None = None) -> dict:
        res = self.qa.result(contact_id)
        if res is None:
            raise NotFoundError(f"contact {contact_id} has no QA result")
        manual = res["manual"] if manual is None else manual
        refs = [FindingRef(x["kind"], x["rule"], x["status"]) for x in self.qa.findings(contact_id)]
        sc = score(self.rules, refs, acoustic=res["source"] == "call", manual=manual)
        detail = {**sc.as_dict(), "recordings": res["detail"].get("recordings", [])}
        self.qa.set_score(contact_id, sc.score, self._flagged(sc.score, refs), detail, manual)
        return self.qa.result(contact_id) or {}

    def status(self) -> dict:
        return {**self.qa.queue_status(), "asr": self.asr is not None}


def _last_agent(events: list[EventRecord]) -> str | None:
    for e in reversed(events):
        if e.agent_id:
            return e.agent_id
    return None


__all__ = ["NoModel", "QaService", "ReviewError", "max_workers"]
