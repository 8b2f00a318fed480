"""Hot topics: what customers ask about, clustered, and a spike alert per topic.

Why this shape: a spike in one kind of question (停电 in one district) is the first sign of an
outage, so each topic is judged against *its own* history, not against the total volume.

* `cluster(texts)` - TF-IDF over the KB's tokens (character bigrams of folded text, with the
  query stop-lists, so 请问/怎么 do not make a topic) and k-means; each topic is named by its
  top terms. Run daily over the last weeks so topics stay comparable from day to day.
* `spikes(daily)` - for each topic, today's count against the previous days: an alert when it
  is at least `ratio` times the baseline mean *and* improbable under a Poisson baseline
  (p < `p_value`), and at least `min_count` - so a topic going 1 -> 3 is not an outage.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np

from hotline.kb.text import STOP_BIGRAMS, fold, tokens


@dataclass(frozen=True, slots=True)
class Topic:
    id: int
    label: str  # top terms, e.g. "停电 / 来电 / 抢修"
    size: int


def _terms(text: str) -> list[str]:
    """Bigrams and words; question fluff (请问, 怎么) is cut out first so that it neither
    makes a topic nor glues bigrams across itself (请问电费 must not yield 问电)."""
    folded = fold(text)
    for b in STOP_BIGRAMS:
        folded = folded.replace(b, " ")
    return [t for t in tokens(folded, query=True) if len(t) > 1 or t.isascii()]


def cluster(texts: list[str], threshold: float = 0.95) -> tuple[list[int], list[Topic]]:
    """A topic id per text, and the topics (largest first).

    Average-linkage clustering on cosine distance, cut at `threshold`: the number of topics
    follows from the data (k-means, tried first, split the busiest topic in two and merged
    three quiet ones - it minimises spread, not "shares the words").
    """
    from sklearn.cluster import AgglomerativeClustering
    from sklearn.feature_extraction.text import TfidfVectorizer

    if len(texts) < 2:
        return [0] * len(texts), [Topic(0, "", len(texts))] if texts else []
    vec = TfidfVectorizer(analyzer=_terms, min_df=2, sublinear_tf=True)
    try:
        x = vec.fit_transform(texts)
    except ValueError:  # no term occurs twice: nothing to group by
        return [0] * len(texts), [Topic(0, "", len(texts))]
    uniq, inverse = np.unique(x.toarray(), axis=0, return_inverse=True)  # repeats cost nothing
    model = AgglomerativeClustering(
        n_clusters=None, metric="cosine", linkage="average", distance_threshold=threshold
    )
    small = model.fit_predict(uniq) if len(uniq) > 1 else np.zeros(1, dtype=int)
    labels = small[inverse.ravel()]
    vocab = np.array(vec.get_feature_names_out())
    sizes = Counter(labels.tolist())
    topics = []
    for c in sorted(sizes):
        centre = np.asarray(x[labels == c].mean(axis=0)).ravel()
        top = vocab[np.argsort(centre)[::-1][:3]]
        topics.append(Topic(int(c), " / ".join(top), sizes[c]))
    return labels.tolist(), sorted(topics, key=lambda t: -t.size)


@dataclass(frozen=True, slots=True)
class Spike:
    topic: int
    day: int  # index into the daily series
    count: int
    baseline: float
    ratio: float


def spikes(
    daily: dict[int, list[int]],
    *,
    history: int = 14,
    ratio: float = 3.0,
    p_value: float = 1e-4,
    min_count: int = 10,
    days: list[int] | None = None,
) -> list[Spike]:
    """Alerts for each topic's days (default: every day with enough history).

    A day that alerted is left out of later baselines, so one outage does not hide the next.
    """
    from scipy.stats import poisson  # here: scipy.stats costs a second of every server start

    out: list[Spike] = []
    for topic, counts in daily.items():
        spiky: set[int] = set()
        check = days if days is not None else range(len(counts))
        for d in check:
            past = [counts[i] for i in range(max(0, d - history), d) if i not in spiky]
            if len(past) < 3:
                continue
            base = max(float(np.mean(past)), 0.5)
            n = counts[d]
            if n >= min_count and n >= ratio * base and poisson.sf(n - 1, base) < p_value:
                spiky.add(d)
                out.append(Spike(topic, d, n, round(base, 2), round(n / base, 1)))
    return out
