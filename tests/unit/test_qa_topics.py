"""Hot topics over a generated month: five kinds of question with steady (Poisson) daily
volumes; on one day 停电 questions jump sixfold. Clustering must recover the topics and the
spike detector must raise exactly one alert - that topic, that day."""

from __future__ import annotations

import random

from hotline.qa.topics import cluster, spikes

TOPICS = {
    "outage": [
        "我家停电了什么时候来电",
        "小区突然停电了",
        "停电多久能恢复",
        "又停电了抢修什么时候到",
    ],
    "bill": ["这个月电费怎么这么高", "电费账单有问题", "电费比上个月多了", "电费单看不懂"],
    "pay": ["怎么在网上缴费", "缴费以后还显示欠费", "微信缴费失败了", "缴费记录查不到"],
    "meter": ["电表坏了不走字", "电表读数不对", "想换一个智能电表", "电表箱门坏了"],
    "move": ["搬家了要过户", "新房过户怎么办", "过户需要什么材料", "过户要多长时间"],
}
RATES = {"outage": 12, "bill": 20, "pay": 15, "meter": 8, "move": 6}
SPIKE_DAY = 24


def month(seed: int = 3):
    rng = random.Random(seed)
    texts, truth, days = [], [], []
    for day in range(30):
        for name, rate in RATES.items():
            n = sum(rng.random() < rate / 40 for _ in range(40))  # ~Poisson(rate)
            if name == "outage" and day == SPIKE_DAY:
                n = 6 * rate
            for _ in range(n):
                texts.append("请问" + rng.choice(TOPICS[name]))
                truth.append(name)
                days.append(day)
    return texts, truth, days


def test_clusters_recover_the_topics_and_one_spike_raises_exactly_one_alert():
    texts, truth, days = month()
    labels, topics = cluster(texts)
    purity = {}
    for name in RATES:
        got = [lab for lab, t in zip(labels, truth, strict=True) if t == name]
        purity[name] = max(got.count(c) for c in set(got)) / len(got)
    assert min(purity.values()) > 0.95, purity
    outage = max(
        set(labels),
        key=lambda c: sum(
            1 for lab, t in zip(labels, truth, strict=True) if lab == c and t == "outage"
        ),
    )
    label = next(t.label for t in topics if t.id == outage)
    assert "停电" in label
    daily = {c: [0] * 30 for c in set(labels)}
    for lab, d in zip(labels, days, strict=True):
        daily[lab][d] += 1
    alerts = spikes(daily)
    assert [(a.topic, a.day) for a in alerts] == [(outage, SPIKE_DAY)], alerts
    assert alerts[0].ratio >= 4


def test_a_small_topic_doubling_is_no_alert():
    daily = {0: [2, 1, 3, 2, 2, 1, 2, 6]}  # 6 >= 3x baseline, but only six questions
    assert spikes(daily) == []
