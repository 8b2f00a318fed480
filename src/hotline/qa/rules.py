"""The per-center QA rule document: thresholds, phrase lists and the scoring rubric.

Rules are data, not code: each center keeps a YAML file (`HOTLINE_QA_RULES`, default: the
demo rules shipped next to this module) that supervisors edit. Validation names the field
that is wrong (pydantic), so a bad file is refused with a reason instead of silently
scoring every call as perfect.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

DEFAULT_RULES = Path(__file__).with_name("default_rules.yaml")
RULES_ENV = "HOTLINE_QA_RULES"
SPEAKERS = ("agent", "customer", "bot")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PhraseRule(_Strict):
    """One thing to find: literal phrases (exact + pinyin) and gap patterns (regex)."""

    id: str = Field(min_length=1, max_length=64)
    label: str = ""
    phrases: tuple[str, ...] = ()
    patterns: tuple[str, ...] = ()  # e.g. 不归.{0,2}管 - an insertion between fixed parts
    speakers: tuple[Literal["agent", "customer", "bot"], ...] = ("agent",)
    pinyin: bool = True  # also match ASR homophones (不知到 for 不知道)
    # Han phrases of 3+ characters also match with up to this many characters inserted
    # between two of theirs (不知这道: an ASR insertion); 0 = off
    gaps: int = Field(default=1, ge=0, le=3)
    within_s: float | None = None  # required phrases: from the start (>0) or end (<0)

    @field_validator("patterns")
    @classmethod
    def _compiles(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        for p in v:
            try:
                re.compile(p)
            except re.error as exc:
                raise ValueError(f"pattern {p!r} is not a valid regular expression: {exc}") from exc
        return v


class RubricItem(_Strict):
    """One scored line. `auto` names the rule that decides it; None = a reviewer decides."""

    id: str = Field(min_length=1, max_length=64)
    label: str = ""
    weight: float = Field(gt=0)
    # forbidden:<rule> | required:<rule> | dead_air | talk_over | talk_ratio
    auto: str | None = None


class QaRules(_Strict):
    dead_air_s: float = Field(default=10.0, gt=0)
    overlap_s: float = Field(default=1.0, gt=0)
    talk_ratio: tuple[float, float] = (0.2, 0.8)  # agent share of the talking, outside = flag
    language: str = "zh"  # default for calls whose contact names none
    forbidden: tuple[PhraseRule, ...] = ()
    required: tuple[PhraseRule, ...] = ()
    rubric: tuple[RubricItem, ...] = ()
    flag_below: float = Field(default=80.0, ge=0, le=100)  # a score under this flags the contact

    @field_validator("rubric")
    @classmethod
    def _autos_exist(cls, v: tuple[RubricItem, ...], info) -> tuple[RubricItem, ...]:
        ids = {f"forbidden:{r.id}" for r in info.data.get("forbidden", ())}
        ids |= {f"required:{r.id}" for r in info.data.get("required", ())}
        ids |= {"dead_air", "talk_over", "talk_ratio"}
        for item in v:
            if item.auto is not None and item.auto not in ids:
                raise ValueError(f"rubric item {item.id}: auto {item.auto!r} names no rule")
        return v


class RulesError(ValueError):
    """The rule document is invalid; the message names the field."""


def parse_rules(doc: dict) -> QaRules:
    try:
        return QaRules.model_validate(doc)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise RulesError(f"qa rules: {where}: {first['msg']}") from exc


@lru_cache(maxsize=8)
def _load(path: str, mtime: float) -> QaRules:
    with open(path, encoding="utf-8") as f:
        return parse_rules(yaml.safe_load(f) or {})


def load_rules(path: str | Path | None = None) -> QaRules:
    """The rules in `path`, else `$HOTLINE_QA_RULES`, else the shipped demo rules (cached)."""
    p = Path(path or os.environ.get(RULES_ENV) or DEFAULT_RULES)
    return _load(str(p), p.stat().st_mtime)
