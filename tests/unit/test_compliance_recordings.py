"""Recording encryption: file format, key ids and rotation, tampering, no-key behaviour."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from cryptography.exceptions import InvalidTag

from hotline.services.compliance_recordings import (
    MAGIC,
    Keyring,
    RecordingKeyError,
    encrypt_finished,
    read_recording,
    rewrap,
)

K1 = "k1:" + base64.b64encode(b"a" * 32).decode()
K2 = "2026-12:" + base64.b64encode(b"b" * 32).decode()
WAV = b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(range(200))


def recording(tmp_path: Path) -> Path:
    p = tmp_path / "call-caller.wav"
    p.write_bytes(WAV)
    return p


def test_the_file_header_names_the_key_and_the_body_is_not_the_wav(tmp_path):
    enc = encrypt_finished(recording(tmp_path), Keyring(K1))
    blob = enc.read_bytes()
    assert blob.startswith(MAGIC + b"\x02k1") and WAV[12:] not in blob
    assert read_recording(tmp_path / "call-caller.wav", Keyring(K1)) == WAV


def test_rotation_reads_old_files_with_the_old_key_and_rewraps_them(tmp_path):
    path = recording(tmp_path)
    encrypt_finished(path, Keyring(K1))
    rotated = Keyring(K2, old=K1)
    assert read_recording(path, rotated) == WAV
    rewrap(path, rotated)
    assert (tmp_path / "call-caller.wav.enc").read_bytes().startswith(MAGIC + b"\x072026-12")
    assert read_recording(path, Keyring(K2)) == WAV  # the old key is no longer needed
    with pytest.raises(RecordingKeyError, match="2026-12"):
        read_recording(path, Keyring(K1))


def test_a_tampered_or_relabelled_file_is_refused(tmp_path):
    path = recording(tmp_path)
    enc = encrypt_finished(path, Keyring(K1))
    blob = bytearray(enc.read_bytes())
    blob[-1] ^= 1
    enc.write_bytes(bytes(blob))
    with pytest.raises(InvalidTag):
        read_recording(path, Keyring(K1))
    same_key_other_id = "k9:" + K1.split(":", 1)[1]
    encrypt_finished(recording(tmp_path), Keyring(K1))
    relabelled = enc.read_bytes().replace(MAGIC + b"\x02k1", MAGIC + b"\x02k9", 1)
    enc.write_bytes(relabelled)
    with pytest.raises(InvalidTag):  # the header is authenticated
        read_recording(path, Keyring(same_key_other_id))


def test_without_a_key_the_wav_stays_as_it_is(tmp_path):
    path = recording(tmp_path)
    assert encrypt_finished(path, Keyring()) == path and path.read_bytes() == WAV


@pytest.mark.parametrize(
    ("key", "message"),
    [("k1:not-base64!", "base64"), ("k1:" + base64.b64encode(b"short").decode(), "32 bytes")],
)
def test_a_bad_key_setting_is_named(key, message):
    with pytest.raises(RecordingKeyError, match=message):
        Keyring(key)


def test_a_failed_encryption_never_breaks_the_call(tmp_path):
    missing = tmp_path / "gone.wav"  # the recorder wrote nothing
    assert encrypt_finished(missing, Keyring(K1)) == missing
