"""Data-subject requests (PIPL Art. 45 access/copy, Art. 47 erasure): export and erase.

`export_data` gathers every record about a customer (profile, contacts and timelines, chats,
images, work orders, surveys, opt-outs, contact attempts) as JSON plus attachment bytes;
`export_to` writes them to a folder (customer.json + attachments/). `erase` anonymises it all
and deletes images and recordings, unless a legal hold covers the customer (refused, 409).
Both are audited (`compliance.export`, `compliance.erase`) - the audit trail is kept.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from hotline.compliance.policy import normalise_identifier
from hotline.services.compliance import ComplianceError, ComplianceService, _variants
from hotline.store.compliance_dsr import SubjectStore

EXT = {"image/png": ".png", "image/jpeg": ".jpg", "image/gif": ".gif", "image/webp": ".webp"}


def _digest(idents: set[str]) -> str:
    """Names the subject in audit lines without the number (same value for export and erase)."""
    return hashlib.sha256("|".join(sorted(idents)).encode()).hexdigest()[:12]


def _subject(svc: ComplianceService, identifier: str) -> tuple[SubjectStore, set[str], str | None]:
    repo = SubjectStore(svc.store.engine)
    idents, cid = repo.identifiers(normalise_identifier(identifier))
    return repo, idents, cid


def export_data(
    svc: ComplianceService, identifier: str, by: str
) -> tuple[dict[str, Any], dict[str, bytes]]:
    """(document, attachments by file name). Recordings come decrypted when encrypted."""
    from hotline.services.compliance_recordings import read_recording

    repo, idents, cid = _subject(svc, identifier)
    data = repo.gather(idents, cid)
    files: dict[str, bytes] = {}
    for m in data["chat_media"]:
        name = f"chat-image-{m['id']}{EXT.get(m['content_type'], '.bin')}"
        files[name] = bytes(m.pop("data"))
        m["file"] = f"attachments/{name}"
    recordings = []
    for p in data.pop("recordings"):
        try:
            audio = read_recording(Path(p))
        except FileNotFoundError:
            recordings.append({"path": p, "file": None, "note": "deleted (retention)"})
            continue
        name = Path(p).name
        files[name] = audio
        recordings.append({"path": p, "file": f"attachments/{name}"})
    data["recordings"] = recordings
    data["subject"] = {"identifiers": sorted(idents), "customer_id": cid}
    svc.store.audit(
        by,
        "compliance.export",
        f"subject:{_digest(idents)}",
        {"identifiers": len(idents), "files": len(files)},
        at=svc.clock(),
    )
    return data, files


def export_to(svc: ComplianceService, identifier: str, out: Path, by: str) -> Path:
    data, files = export_data(svc, identifier, by)
    (out / "attachments").mkdir(parents=True, exist_ok=True)
    for name, blob in files.items():
        (out / "attachments" / name).write_bytes(blob)
    path = out / "customer.json"
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    return path


def erase(svc: ComplianceService, identifier: str, by: str) -> dict[str, Any]:
    """Anonymise the customer everywhere; refused (409) while a legal hold covers them."""
    repo, idents, cid = _subject(svc, identifier)
    hs = svc.repo.hold_set()
    if any(hs.covers(identifier=i) for i in idents) or (cid and hs.covers(customer_id=cid)):
        raise ComplianceError("identifier", "under legal hold: erasure refused until released", 409)
    token = f"erased:{_digest(idents)}"
    result = repo.erase(idents, cid, token)
    removed = 0
    for p in result["recordings"]:
        for f in _variants(p):
            if f.exists():
                f.unlink()
                removed += 1
    result["recording_files_removed"] = removed
    result["token"] = token
    svc.store.audit(
        by,
        "compliance.erase",
        token,
        {"counts": result["counts"], "recording_files_removed": removed, "customer_id": cid},
        at=svc.clock(),
    )
    return result
