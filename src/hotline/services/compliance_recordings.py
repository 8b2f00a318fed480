"""Recordings encrypted at rest (GB/T 22239 等保: encryption of stored sensitive data).

The SIP gateway writes a plain WAV while the call runs (pjsua's recorder needs a real file);
when the recorder has closed it, `encrypt_finished(path)` replaces `x.wav` with `x.wav.enc`:

    b"HLREC1" | len(key_id) (1 byte) | key_id (ASCII) | nonce (12 bytes) | AES-256-GCM(wav)

The header (magic + key id) is the GCM associated data, so a file cannot be relabelled to
another key. Keys come from settings:

* `HOTLINE_RECORDING_KEY` = `<key_id>:<base64 of 32 bytes>` (or just the base64: key id `k1`)
  encrypts every new recording;
* `HOTLINE_RECORDING_OLD_KEYS` = comma-separated `<key_id>:<base64>` still read.

Rotation: generate a new key (`python -c "import os,base64;print(base64.b64encode(os.urandom(32))
.decode())"`), move the current one into `HOTLINE_RECORDING_OLD_KEYS`, set the new one with a new
id, restart. Old files stay readable by their key id; `rewrap` re-encrypts a file under the
current key so an old key can be dropped once no file names it.

Without a key configured, recordings stay plain WAV (a warning is logged): a demo machine needs
no secrets, a production center sets the key. Files are served only through
`GET /api/compliance/recordings/{contact_id}/{leg}` to the roles allowed to hear them.
"""

from __future__ import annotations

import base64
import binascii
import logging
import os
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

log = logging.getLogger(__name__)
MAGIC = b"HLREC1"
SUFFIX = ".enc"


class RecordingKeyError(ValueError):
    """A key setting is malformed, or a file names a key we do not have."""


def _parse_key(text: str, default_id: str = "k1") -> tuple[str, bytes]:
    key_id, sep, b64 = text.strip().rpartition(":")
    if not sep:
        key_id, b64 = default_id, text.strip()
    try:
        key = base64.b64decode(b64, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise RecordingKeyError(f"recording key {key_id!r}: not base64") from exc
    if len(key) != 32:
        raise RecordingKeyError(f"recording key {key_id!r}: needs 32 bytes, got {len(key)}")
    if not key_id or len(key_id) > 64 or not key_id.isascii():
        raise RecordingKeyError(f"recording key id {key_id!r}: 1-64 ASCII characters")
    return key_id, key


class Keyring:
    def __init__(self, current: str | None = None, old: str | None = None) -> None:
        self.current: tuple[str, bytes] | None = _parse_key(current) if current else None
        self.keys: dict[str, bytes] = {}
        for part in (old or "").split(","):
            if part.strip():
                kid, key = _parse_key(part)
                self.keys[kid] = key
        if self.current:
            self.keys[self.current[0]] = self.current[1]

    @classmethod
    def from_env(cls) -> Keyring:
        return cls(
            os.environ.get("HOTLINE_RECORDING_KEY"), os.environ.get("HOTLINE_RECORDING_OLD_KEYS")
        )

    def encrypt(self, plain: bytes) -> bytes:
        if self.current is None:
            raise RecordingKeyError("no HOTLINE_RECORDING_KEY configured")
        kid, key = self.current
        header = MAGIC + bytes([len(kid)]) + kid.encode()
        nonce = os.urandom(12)
        return header + nonce + AESGCM(key).encrypt(nonce, plain, header)

    def decrypt(self, blob: bytes) -> bytes:
        if not blob.startswith(MAGIC):
            raise RecordingKeyError("not an encrypted recording")
        n = blob[len(MAGIC)]
        start = len(MAGIC) + 1
        kid = blob[start : start + n].decode()
        header, rest = blob[: start + n], blob[start + n :]
        key = self.keys.get(kid)
        if key is None:
            raise RecordingKeyError(
                f"recording encrypted with key {kid!r}, which is not configured"
            )
        return AESGCM(key).decrypt(rest[:12], rest[12:], header)


def encrypt_finished(path: Path | str, keyring: Keyring | None = None) -> Path:
    """The SIP hook: encrypt a closed WAV to `<path>.enc` and remove the plain file.
    Returns the file now on disk (the WAV itself when no key is configured, or when encryption
    failed - logged, never raised: a call must not fail over its recording)."""
    path = Path(path)
    try:
        return _encrypt(path, keyring or Keyring.from_env())
    except (OSError, RecordingKeyError):
        log.exception("could not encrypt recording %s", path)
        return path


def _encrypt(path: Path, ring: Keyring) -> Path:
    if ring.current is None:
        log.warning("HOTLINE_RECORDING_KEY not set: recording %s stays unencrypted", path.name)
        return path
    target = path.with_name(path.name + SUFFIX)
    tmp = target.with_name(target.name + ".tmp")
    tmp.write_bytes(ring.encrypt(path.read_bytes()))
    os.replace(tmp, target)  # atomic: a reader sees the old WAV or the whole encrypted file
    path.unlink(missing_ok=True)
    return target


def read_recording(path: Path | str, keyring: Keyring | None = None) -> bytes:
    """The WAV bytes of a recording named by its `voice.recording` path (plain or `.enc`)."""
    path = Path(path)
    enc = path.with_name(path.name + SUFFIX)
    if enc.exists():
        return (keyring or Keyring.from_env()).decrypt(enc.read_bytes())
    if path.exists():
        return path.read_bytes()
    raise FileNotFoundError(str(path))


def rewrap(path: Path | str, keyring: Keyring | None = None) -> Path:
    """Re-encrypt one recording under the current key (after a rotation)."""
    ring = keyring or Keyring.from_env()
    path = Path(path)
    plain = read_recording(path, ring)
    enc = path.with_name(path.name + SUFFIX)
    tmp = enc.with_name(enc.name + ".tmp")
    tmp.write_bytes(ring.encrypt(plain))
    os.replace(tmp, enc)
    path.unlink(missing_ok=True)
    return enc
