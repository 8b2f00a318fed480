"""Predicted intent of an incoming contact: rules first, then a model trained on stored history.

The "customer portrait" of the power-grid hotlines: before the caller speaks, the agent sees
why they probably call. Two rules come first (an order still being worked → a follow-up; a
cluster of fault reports in the caller's area → a fault report); otherwise a scikit-learn
model trained on the center's own history answers, with its confidence.

Features are built by one function, `HistoryIndex.context`, for training samples (the history
as it stood just before each past contact) and for live contacts, so what the model learns
from is exactly what it is later shown. Pure: values in, values out (scikit-learn is imported
only when a model is trained).
"""

from __future__ import annotations

import bisect
import math
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

INTENTS = (
    "consultation",
    "follow_up",
    "complaint",
    "lost_item",
    "fault_report",
    "help_request",
    "suggestion",
    "praise",
)
DAY = 86400.0
OUTAGE_WINDOW_S = 6 * 3600.0
OUTAGE_MIN_REPORTS = 2
RECENT_S = 30 * DAY


@dataclass(frozen=True, slots=True)
class HContact:
    id: str
    at: float
    customer: str | None
    channel: str = "voice"
    queue: str | None = None
    language: str | None = None
    hour: int = 12  # local hour of day (the caller's time zone is the center's)
    weekday: int = 0
    label: str | None = None  # the intent it turned out to have; None = not known


@dataclass(frozen=True, slots=True)
class HOrder:
    id: str
    customer: str | None
    category: str
    created_at: float
    resolved_at: float | None = None
    closed_at: float | None = None
    area: str | None = None


@dataclass(frozen=True, slots=True)
class HRating:
    customer: str
    at: float
    rating: str


@dataclass(frozen=True, slots=True)
class History:
    contacts: tuple[HContact, ...] = ()
    orders: tuple[HOrder, ...] = ()
    ratings: tuple[HRating, ...] = ()
    tags: Mapping[str, frozenset[str]] = field(default_factory=dict)
    areas: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Context:
    """What is known about a contact when it arrives."""

    channel: str
    queue: str | None
    language: str | None
    hour: int
    weekday: int
    tags: frozenset[str]
    unresolved: tuple[str, ...]  # categories of orders not yet resolved
    awaiting: tuple[str, ...]  # resolved, awaiting the customer's confirmation
    recent_orders: tuple[str, ...]  # categories of orders of the last 30 days
    contacts_7d: int
    contacts_30d: int
    days_since_last: float | None
    last_label: str | None
    area_faults: int  # fault reports from the caller's area in the last 6 h
    last_rating: str | None

    def features(self) -> dict[str, float]:
        f: dict[str, float] = {
            f"channel={self.channel}": 1.0,
            f"queue={self.queue}": 1.0,
            f"lang={self.language or '-'}": 1.0,
            f"daypart={self.hour // 6}": 1.0,
            f"weekend={self.weekday >= 5}": 1.0,
            "contacts_7d": math.log1p(self.contacts_7d),
            "contacts_30d": math.log1p(self.contacts_30d),
            f"since={_bucket(self.days_since_last)}": 1.0,
            f"last={self.last_label}": 1.0,
            f"area_faults={min(self.area_faults, 3)}": 1.0,
            f"rating={self.last_rating}": 1.0,
            "unresolved": float(len(self.unresolved)),
            "awaiting": float(len(self.awaiting)),
        }
        for t in self.tags:
            f[f"tag={t}"] = 1.0
        for c in self.unresolved:
            f[f"unresolved={c}"] = 1.0
        for c in self.awaiting:
            f[f"awaiting={c}"] = 1.0
        for c in self.recent_orders:
            f[f"recent={c}"] = 1.0
        return f


def _bucket(days: float | None) -> str:
    if days is None:
        return "never"
    for limit in (1, 3, 7, 30):
        if days < limit:
            return f"<{limit}d"
    return "old"


class HistoryIndex:
    """History grouped per customer and area for fast "as of instant t" questions."""

    def __init__(self, history: History) -> None:
        self.history = history
        self.contacts: dict[str, list[HContact]] = defaultdict(list)
        for c in sorted(history.contacts, key=lambda c: c.at):
            if c.customer is not None:
                self.contacts[c.customer].append(c)
        self.contact_times = {k: [c.at for c in v] for k, v in self.contacts.items()}
        self.orders: dict[str, list[HOrder]] = defaultdict(list)
        faults: dict[str, list[float]] = defaultdict(list)
        for o in sorted(history.orders, key=lambda o: o.created_at):
            if o.customer is not None:
                self.orders[o.customer].append(o)
            area = o.area or history.areas.get(o.customer or "")
            if o.category == "fault_report" and area:
                faults[area].append(o.created_at)
        self.faults = dict(faults)
        self.ratings: dict[str, list[HRating]] = defaultdict(list)
        for r in sorted(history.ratings, key=lambda r: r.at):
            self.ratings[r.customer].append(r)

    def area_faults(self, area: str | None, at: float) -> int:
        times = self.faults.get(area or "", [])
        return bisect.bisect_left(times, at) - bisect.bisect_left(times, at - OUTAGE_WINDOW_S)

    def context(self, contact: HContact) -> Context:
        """The context of `contact` from everything that happened strictly before it."""
        at, who = contact.at, contact.customer or ""
        times = self.contact_times.get(who, [])
        before = self.contacts.get(who, [])[: bisect.bisect_left(times, at)]
        orders = [o for o in self.orders.get(who, []) if o.created_at < at]
        live = [o for o in orders if o.closed_at is None or o.closed_at > at]
        unresolved = tuple(o.category for o in live if o.resolved_at is None or o.resolved_at > at)
        awaiting = tuple(
            o.category for o in live if o.resolved_at is not None and o.resolved_at <= at
        )
        ratings = [r for r in self.ratings.get(who, []) if at - RECENT_S <= r.at < at]
        last = before[-1] if before else None
        return Context(
            channel=contact.channel,
            queue=contact.queue,
            language=contact.language,
            hour=contact.hour,
            weekday=contact.weekday,
            tags=self.history.tags.get(who, frozenset()),
            unresolved=unresolved,
            awaiting=awaiting,
            recent_orders=tuple(o.category for o in orders if o.created_at >= at - RECENT_S),
            contacts_7d=sum(1 for c in before if c.at >= at - 7 * DAY),
            contacts_30d=sum(1 for c in before if c.at >= at - RECENT_S),
            days_since_last=(at - last.at) / DAY if last else None,
            last_label=last.label if last else None,
            area_faults=self.area_faults(self.history.areas.get(who), at),
            last_rating=ratings[-1].rating if ratings else None,
        )


# -- rules -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Prediction:
    intent: str | None
    confidence: float
    source: str  # "rule", "model" or "none"
    reason: str
    alternatives: tuple[tuple[str, float], ...] = ()


def rule_prediction(ctx: Context) -> Prediction | None:
    """The two rules of thumb hotlines use, in order."""
    if ctx.unresolved or ctx.awaiting:
        about = ", ".join(ctx.unresolved + ctx.awaiting)
        return Prediction("follow_up", 0.8, "rule", f"open order ({about})")
    if ctx.area_faults >= OUTAGE_MIN_REPORTS:
        return Prediction(
            "fault_report",
            0.8,
            "rule",
            f"{ctx.area_faults} fault reports from the caller's area in the last 6 h",
        )
    return None


# -- model -------------------------------------------------------------------------------------


class IntentModel:
    """A multinomial logistic regression over one-hot context features (scikit-learn)."""

    def __init__(self, pipeline: Any, trained_on: int) -> None:
        self._pipeline = pipeline
        self.trained_on = trained_on
        self.labels: tuple[str, ...] = tuple(pipeline.classes_)

    @classmethod
    def train(cls, samples: Sequence[tuple[Context, str]], seed: int = 0) -> IntentModel:
        from sklearn.feature_extraction import DictVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline

        if len({label for _c, label in samples}) < 2:
            raise ValueError("need labelled contacts of at least two intents to train")
        pipeline = make_pipeline(
            DictVectorizer(sparse=True),
            LogisticRegression(max_iter=2000, C=0.3, tol=1e-3, random_state=seed),
        )
        pipeline.fit([c.features() for c, _ in samples], [label for _, label in samples])
        return cls(pipeline, len(samples))

    def proba(self, contexts: Sequence[Context]) -> list[list[tuple[str, float]]]:
        if not contexts:
            return []
        rows = self._pipeline.predict_proba([c.features() for c in contexts])
        return [
            sorted(zip(self.labels, map(float, row), strict=True), key=lambda p: -p[1])
            for row in rows
        ]


@dataclass(frozen=True, slots=True)
class Predictor:
    """A trained model and whether the rules still go first.

    Rules go first only while they are measured to help: `build_predictor` compares "rules,
    then the model" with "the model alone" on held-back contacts and keeps the better."""

    model: IntentModel | None
    rules_first: bool = True


def predict(ctx: Context, predictor: Predictor | None) -> Prediction:
    """Rules first (cold start, or while they beat the model); else the model, else nothing."""
    by_rule = rule_prediction(ctx)
    model = predictor.model if predictor is not None else None
    if by_rule is not None and (model is None or predictor.rules_first):  # type: ignore[union-attr]
        return by_rule
    if model is None:
        return Prediction(None, 0.0, "none", "no rule applies and no model is trained yet")
    [ranked] = model.proba([ctx])
    best, p = ranked[0]
    reason = f"model trained on {model.trained_on} contacts"
    if by_rule is not None:
        reason += f"; note: {by_rule.reason}"
    return Prediction(best, p, "model", reason, tuple(ranked[:3]))


# -- training data and evaluation --------------------------------------------------------------


def samples(history: History) -> list[tuple[HContact, Context, str]]:
    """(contact, context as it stood before it, label) for every labelled contact, by time."""
    index = HistoryIndex(history)
    out = []
    for c in sorted(history.contacts, key=lambda c: (c.at, c.id)):
        if c.label in INTENTS:
            out.append((c, index.context(c), c.label))
    return out


@dataclass(frozen=True, slots=True)
class Evaluation:
    train_n: int
    test_n: int
    model_accuracy: float
    combined_accuracy: float  # rules first, then the model: what agents are shown
    baseline_accuracy: float  # always the most frequent intent of the training part
    rules_coverage: float  # share of test contacts a rule answered
    rules_precision: float | None
    per_intent: Mapping[str, tuple[int, float]]  # intent -> (test contacts, recall)
    split_at: float  # held back: the contacts at or after this instant

    def describe(self) -> str:
        return (
            f"held back: the newest {self.test_n} labelled contacts (from t={self.split_at:.0f}); "
            f"trained on the {self.train_n} before them. Accuracy = correct ÷ held-back contacts."
        )


def evaluate(
    history: History,
    test_share: float = 0.2,
    seed: int = 0,
    rows: list[tuple[HContact, Context, str]] | None = None,
) -> Evaluation:
    """Train on the oldest (1 - test_share) of labelled contacts, measure on the newest.

    Holding back the *newest* contacts (not a random sample) measures what matters: how well a
    model trained on the past predicts the contacts that come after it."""
    rows = samples(history) if rows is None else rows
    if len(rows) < 20:
        raise ValueError(f"only {len(rows)} labelled contacts: need at least 20 to evaluate")
    cut = max(1, min(len(rows) - 1, round(len(rows) * (1 - test_share))))
    train, test = rows[:cut], rows[cut:]
    model = IntentModel.train([(ctx, label) for _c, ctx, label in train], seed=seed)
    probs = model.proba([ctx for _c, ctx, _l in test])
    truth = [label for _c, _ctx, label in test]
    by_model = [ranked[0][0] for ranked in probs]
    combined, ruled, rule_hits = [], 0, 0
    for (_c, ctx, label), m in zip(test, by_model, strict=True):
        r = rule_prediction(ctx)
        if r is not None:
            ruled += 1
            rule_hits += r.intent == label
        combined.append(r.intent if r is not None else m)
    majority = Counter(label for *_x, label in train).most_common(1)[0][0]
    per: dict[str, tuple[int, float]] = {}
    for intent in sorted(set(truth)):
        idx = [i for i, t in enumerate(truth) if t == intent]
        per[intent] = (len(idx), sum(combined[i] == intent for i in idx) / len(idx))
    n = len(test)
    return Evaluation(
        train_n=len(train),
        test_n=n,
        model_accuracy=sum(p == t for p, t in zip(by_model, truth, strict=True)) / n,
        combined_accuracy=sum(p == t for p, t in zip(combined, truth, strict=True)) / n,
        baseline_accuracy=sum(t == majority for t in truth) / n,
        rules_coverage=ruled / n,
        rules_precision=rule_hits / ruled if ruled else None,
        per_intent=per,
        split_at=test[0][0].at,
    )


def build_predictor(
    history: History, test_share: float = 0.2, seed: int = 0
) -> tuple[Predictor, Evaluation]:
    """Evaluate on held-back contacts, choose the policy, then train on everything."""
    rows = samples(history)
    ev = evaluate(history, test_share, seed, rows)
    model = IntentModel.train([(ctx, label) for _c, ctx, label in rows], seed=seed)
    return Predictor(model, rules_first=ev.combined_accuracy >= ev.model_accuracy), ev
