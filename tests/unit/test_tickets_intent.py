"""Predicted intent: rules first, a model trained on history, accuracy on held-back contacts;
repeat-contact detection; survey ratings; order KPIs."""

from __future__ import annotations

import pytest

from hotline.tickets import Action, created, decide, default_config
from hotline.tickets import intent as it
from hotline.tickets.kpi import order_kpis
from hotline.tickets.order import apply
from hotline.tickets.repeat import PastContact, check
from hotline.tickets.surveys import Rating, from_dtmf, rate, satisfaction
from hotline.tickets.synthetic import generate

DAY = 86400.0


@pytest.fixture(scope="module")
def built():
    """A predictor built on a generated 75-day history of 3,000 labelled contacts."""
    return it.build_predictor(generate(contacts=3000, days=75, seed=11).history, test_share=0.2)


def test_the_model_beats_the_majority_guess_on_newer_held_back_contacts(built):
    _predictor, ev = built
    assert (ev.train_n, ev.test_n) == (2400, 600)
    assert ev.baseline_accuracy < 0.4  # "always consultation"
    assert ev.model_accuracy > 0.6 and ev.model_accuracy > ev.baseline_accuracy + 0.2
    assert ev.per_intent["follow_up"][1] > 0.9  # an open order is the strongest signal
    assert 0.2 < ev.rules_coverage < 0.5 and ev.rules_precision > 0.5


def test_rules_answer_before_any_model_exists():
    base = dict(
        channel="voice",
        queue="general",
        language=None,
        hour=10,
        weekday=2,
        tags=frozenset(),
        recent_orders=(),
        contacts_7d=0,
        contacts_30d=0,
        days_since_last=None,
        last_label=None,
        last_rating=None,
    )
    open_order = it.Context(unresolved=("lost_item",), awaiting=(), area_faults=0, **base)
    p = it.predict(open_order, None)
    assert (p.intent, p.source) == ("follow_up", "rule") and "lost_item" in p.reason
    outage = it.Context(unresolved=(), awaiting=(), area_faults=3, **base)
    assert it.predict(outage, None).intent == "fault_report"
    nothing = it.Context(unresolved=(), awaiting=(), area_faults=0, **base)
    assert it.predict(nothing, None).source == "none"


def test_context_sees_only_what_happened_before_the_contact():
    h = it.History(
        contacts=(
            it.HContact("c1", 100.0, "138", label="lost_item"),
            it.HContact("c2", 5 * DAY, "138"),
        ),
        orders=(
            it.HOrder("o1", "138", "lost_item", 160.0, resolved_at=2 * DAY),
            it.HOrder("f1", "139", "fault_report", 5 * DAY - 3600, area="d1"),
            it.HOrder("f2", "137", "fault_report", 5 * DAY - 60, area="d1"),
            it.HOrder("f3", "136", "fault_report", 5 * DAY + 60, area="d1"),  # after: unseen
        ),
        areas={"138": "d1"},
    )
    ix = it.HistoryIndex(h)
    first = ix.context(h.contacts[0])
    assert first.unresolved == () and first.contacts_30d == 0
    ctx = ix.context(h.contacts[1])
    assert ctx.unresolved == () and ctx.awaiting == ("lost_item",)  # resolved, not closed
    assert ctx.area_faults == 2 and ctx.last_label == "lost_item" and ctx.contacts_7d == 1


def test_a_predictor_keeps_rules_first_only_while_they_help(built):
    predictor, ev = built
    assert predictor.rules_first == (ev.combined_accuracy >= ev.model_accuracy)
    assert predictor.model is not None and predictor.model.trained_on == 3000


def test_repeat_contacts_are_the_same_customer_on_the_same_topic_within_the_window():
    history = [
        PastContact("c1", 1 * DAY, "lost_item"),
        PastContact("c2", 8 * DAY, "complaint"),
        PastContact("c3", 9 * DAY, "lost_item"),
    ]
    r = check(history, [], 10 * DAY, "lost_item", window_s=7 * DAY)
    assert r.repeat and [c.id for c in r.earlier] == ["c3"]  # c1 is older than 7 days
    assert not check(history, [], 10 * DAY, "praise", 7 * DAY).repeat
    o = apply(None, created("o1", 9 * DAY, "a01", category="lost_item", title="bag"))
    r = check([], [o], 10 * DAY, None, 7 * DAY)
    assert r.repeat and r.orders == (o,)  # an unknown topic is taken to be about the open order


def test_survey_answers_from_scores_labels_and_keypads():
    assert rate(9, None) is Rating.SATISFIED and rate(6, None) is Rating.NEUTRAL
    assert rate(None, "unsatisfied") is Rating.UNSATISFIED
    with pytest.raises(ValueError, match="contradicts"):
        rate(2, "satisfied")
    assert from_dtmf("3") == (None, Rating.UNSATISFIED) and from_dtmf("0", "10") == (10, None)
    s = satisfaction([(Rating.SATISFIED, 9), (Rating.UNSATISFIED, 2), (None, None), (None, None)])
    assert (s.response_rate, s.satisfied_rate, s.mean_score) == (0.5, 0.5, 5.5)


def test_order_kpis_count_on_time_overdue_reopened_and_follow_ups():
    cfg = default_config()
    h = 3600.0
    t0 = 1_790_000_000.0  # help requests: 2 h round the clock

    def life(oid, steps):
        o = apply(None, created(oid, t0, "a01", category="help_request", title="x"))
        for dt, action, data in steps:
            for e in decide(o, action, t0 + dt, "a01", **data):
                o = apply(o, e)
        return o

    ok = {"resolution": "done"}
    orders = [
        life(
            "on_time",
            [(60, Action.ACCEPT, {}), (h, Action.RESOLVE, ok), (2 * h, Action.CONFIRM, {})],
        ),
        life("late", [(60, Action.ACCEPT, {}), (3 * h, Action.RESOLVE, ok)]),
        life("open_overdue", [(60, Action.ACCEPT, {})]),
        life(
            "reopened",
            [
                (60, Action.ACCEPT, {}),
                (h, Action.RESOLVE, ok),
                (2 * h, Action.REOPEN, {"reason": "no"}),
            ],
        ),
        life("cancelled", [(60, Action.CANCEL, {"reason": "duplicate"})]),
    ]
    k = order_kpis(orders, cfg, now=t0 + 5 * h, surveys=[(Rating.SATISFIED, 9), (None, None)])
    assert (k.opened, k.cancelled, k.resolved, k.resolved_on_time) == (5, 1, 2, 1)
    assert (k.overdue, k.reopened) == (3, 1)  # late, still open past due, reopened past due
    assert k.resolution_rate == 0.5 and k.on_time_rate == 0.5
    # results given: on_time, late, reopened; the customer answered on_time and reopened
    assert k.follow_up_rate == pytest.approx(2 / 3) and k.confirmed_rate == 0.5
    assert k.as_dict()["survey_response_rate"] == 0.5
