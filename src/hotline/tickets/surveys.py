"""Satisfaction surveys: a 1–10 score or satisfied / neutral / unsatisfied, and their figures.

Voice channels ask by DTMF after the call (1 satisfied, 2 neutral, 3 unsatisfied, or 1–9 and
0 for 10 on a score scale); chat sends a message. Every figure is printed with its response
rate (满意度 without the share of customers who answered means little).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class Rating(StrEnum):
    SATISFIED = "satisfied"
    NEUTRAL = "neutral"
    UNSATISFIED = "unsatisfied"


#: the usual three-button voice survey (按1满意, 按2一般, 按3不满意)
DTMF_3 = {"1": Rating.SATISFIED, "2": Rating.NEUTRAL, "3": Rating.UNSATISFIED}


@dataclass(frozen=True, slots=True)
class SurveyScale:
    satisfied_min: int = 8
    unsatisfied_max: int = 4

    def rating(self, score: int) -> Rating:
        if not 1 <= score <= 10:
            raise ValueError("score: must be 1..10")
        if score >= self.satisfied_min:
            return Rating.SATISFIED
        if score <= self.unsatisfied_max:
            return Rating.UNSATISFIED
        return Rating.NEUTRAL


def rate(score: int | None, rating: str | None, scale: SurveyScale = SurveyScale()) -> Rating:
    """The rating of an answer given as a score, a label, or both (they must agree)."""
    if score is None and rating is None:
        raise ValueError("give a score (1-10) or a rating")
    from_score = scale.rating(score) if score is not None else None
    if rating is None:
        return from_score  # type: ignore[return-value]
    try:
        label = Rating(rating)
    except ValueError:
        raise ValueError(f"rating: must be one of {', '.join(r.value for r in Rating)}") from None
    if from_score is not None and from_score is not label:
        raise ValueError(f"rating: {label.value} contradicts score {score}")
    return label


def from_dtmf(digits: str, scale: str = "3") -> tuple[int | None, Rating | None]:
    """Decode a keypad answer: scale "3" (1/2/3), "5" or "10" (1-9, 0 = 10).

    Scale "5" (按5非常满意 … 按1非常不满意) is stored on the 1-10 score scale as 2 x the key,
    so 5 and 4 count as satisfied, 3 as neutral and 2 and 1 as unsatisfied with the default
    `SurveyScale`, and mean scores stay comparable with the 10-point survey.
    """
    digits = digits.strip()
    if scale == "5":
        if len(digits) != 1 or digits not in "12345":
            raise ValueError("dtmf: press 1 to 5")
        return 2 * int(digits), None
    if scale == "3":
        if digits not in DTMF_3:
            raise ValueError("dtmf: press 1, 2 or 3")
        return None, DTMF_3[digits]
    if scale == "10" and len(digits) == 1 and digits.isdigit():
        return (10 if digits == "0" else int(digits)), None
    raise ValueError("dtmf: press one digit, 0 meaning 10")


@dataclass(frozen=True, slots=True)
class Satisfaction:
    requested: int
    replies: int
    satisfied: int
    unsatisfied: int
    mean_score: float | None

    @property
    def response_rate(self) -> float | None:
        return self.replies / self.requested if self.requested else None

    @property
    def satisfied_rate(self) -> float | None:
        return self.satisfied / self.replies if self.replies else None

    @property
    def unsatisfied_rate(self) -> float | None:
        return self.unsatisfied / self.replies if self.replies else None

    def describe(self) -> str:
        return (
            "满意度 satisfaction = satisfied ÷ survey replies; 不满意率 = unsatisfied ÷ replies; "
            "response rate = replies ÷ surveys offered (an answer without a recorded offer "
            "counts as offered)"
        )


def satisfaction(answers: Iterable[tuple[Rating | None, int | None]]) -> Satisfaction:
    """Figures over surveys given as (rating or None if unanswered, score or None)."""
    requested = replies = sat = unsat = 0
    scores: list[int] = []
    for rating, score in answers:
        requested += 1
        if rating is None:
            continue
        replies += 1
        sat += rating is Rating.SATISFIED
        unsat += rating is Rating.UNSATISFIED
        if score is not None:
            scores.append(score)
    mean = sum(scores) / len(scores) if scores else None
    return Satisfaction(requested, replies, sat, unsat, mean)
