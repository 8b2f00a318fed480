"""Work-order states: every legal move, every illegal one refused with a reason, audit trail."""

from __future__ import annotations

import pytest

from hotline.tickets import Action, IllegalMove, InvalidOrder, OrderState, created, decide, fold
from hotline.tickets.order import apply
from hotline.tickets.states import FACTS, TRANSITIONS

S, A = OrderState, Action
MOVES = [a for a in Action if a not in FACTS]
DATA = {
    A.ASSIGN: {"agent_id": "a01"},
    A.DISPATCH: {"team": "onsite"},
    A.WAIT: {"on": "customer"},
    A.RESOLVE: {"resolution": "found at gate 12"},
    A.PROGRESS: {"note": "called the lost-and-found office"},
    A.REOPEN: {"reason": "not solved"},
    A.CLOSE: {"reason": "no_answer"},
    A.CANCEL: {"reason": "duplicate"},
    A.LINK: {"contact_id": "c9"},
    A.PRIORITY: {"to": 5},
    A.ESCALATE: {"rule": "r", "key": "r:x", "trigger": "sla_at_risk"},
    A.NOTIFY: {"to": "customer", "ok": True},
}


def new_order():
    e = created("o1", 100.0, "a01", category="lost_item", title="black suitcase", owner="a01")
    return apply(None, e)


def order_in(state: OrderState):
    """An order brought to `state` through legal moves only."""
    path = {
        S.NEW: [],
        S.ASSIGNED: [A.ASSIGN],
        S.IN_PROGRESS: [A.ACCEPT],
        S.WAITING: [A.ACCEPT, A.WAIT],
        S.RESOLVED: [A.ACCEPT, A.RESOLVE],
        S.CONFIRMED: None,
        S.REOPENED: [A.ACCEPT, A.RESOLVE, A.REOPEN],
        S.CLOSED: [A.CANCEL],
    }[state]
    o = new_order()
    if path is None:  # confirmed is transient (confirming closes): fold a bare confirmed event
        o = fold_path(o, [A.ACCEPT, A.RESOLVE])
        from hotline.tickets.order import OrderEvent

        return apply(o, OrderEvent("o1", o.version + 1, 500.0, "order.confirmed", "c", {}))
    return fold_path(o, path)


def fold_path(o, path):
    for i, action in enumerate(path):
        for e in decide(o, action, 200.0 + i, "someone", **DATA.get(action, {})):
            o = apply(o, e)
    return o


@pytest.mark.parametrize("state", list(OrderState))
@pytest.mark.parametrize("action", MOVES)
def test_every_move_follows_the_table_and_illegal_ones_say_why(state, action):
    o = order_in(state)
    assert o.state is state
    target = TRANSITIONS[state].get(action)
    if target is None:
        with pytest.raises(IllegalMove) as refused:
            decide(o, action, 900.0, "x", **DATA.get(action, {}))
        assert state.value in refused.value.reason and action.value in refused.value.reason
        assert "allowed only when" in refused.value.reason or "closed" in refused.value.reason
    else:
        events = decide(o, action, 900.0, "x", **DATA.get(action, {}))
        after = o
        for e in events:
            after = apply(after, e)
        expected = S.CLOSED if action is A.CONFIRM else target  # confirming closes the loop
        assert after.state is expected


@pytest.mark.parametrize("state", [s for s in OrderState if s is not S.CLOSED])
def test_facts_are_recorded_in_every_state_but_closed(state):
    o = order_in(state)
    for action in (A.LINK, A.PRIORITY, A.ESCALATE):
        [e] = decide(o, action, 900.0, "x", **DATA[action])
        assert apply(o, e).state is state
    closed = order_in(S.CLOSED)
    with pytest.raises(IllegalMove, match="closed"):
        decide(closed, A.PRIORITY, 900.0, "x", to=3)


def test_an_assigned_order_must_be_accepted_before_it_is_resolved():
    o = order_in(S.ASSIGNED)
    with pytest.raises(IllegalMove) as refused:
        decide(o, A.RESOLVE, 300.0, "a01", resolution="done")
    assert refused.value.reason == (
        "cannot resolve an order that is assigned; resolve is allowed only when it is "
        "new, in_progress, waiting"
    )


def test_refusals_of_bad_data_name_the_field():
    o = order_in(S.IN_PROGRESS)
    with pytest.raises(InvalidOrder, match="on: must be one of customer, department"):
        decide(o, A.WAIT, 1.0, "x", on="lunch")
    with pytest.raises(InvalidOrder, match="resolution"):
        decide(o, A.RESOLVE, 1.0, "x", resolution="")
    with pytest.raises(InvalidOrder, match="priority"):
        decide(o, A.PRIORITY, 1.0, "x", to=11)


def test_the_whole_life_is_an_audit_trail_of_who_and_when():
    o = new_order()
    steps = [
        (A.DISPATCH, "a01", {"team": "onsite"}),
        (A.ACCEPT, "desk1", {}),
        (A.PROGRESS, "desk1", {"note": "checking gate 12"}),
        (A.WAIT, "desk1", {"on": "customer"}),
        (A.RESUME, "desk1", {}),
        (A.RESOLVE, "desk1", {"resolution": "suitcase at the desk", "confirm_due": 9e9}),
        (A.REOPEN, "channel", {"reason": "wrong suitcase"}),
        (A.ACCEPT, "desk1", {}),
        (A.RESOLVE, "desk1", {"resolution": "right one now"}),
        (A.CONFIRM, "channel", {}),
    ]
    trail = [created("o1", 100.0, "a01", category="lost_item", title="black suitcase", owner="a01")]
    for i, (action, who, data) in enumerate(steps):
        events = decide(o, action, 1000.0 + i, who, **data)
        for e in events:
            o = apply(o, e)
        trail += events
    assert [e.version for e in trail] == list(range(1, len(trail) + 1))
    assert [(e.kind, e.actor) for e in trail[-3:]] == [
        ("order.resolved", "desk1"),
        ("order.confirmed", "channel"),
        ("order.closed", "channel"),
    ]
    again = fold(trail)
    assert again == o
    assert o.state is S.CLOSED and o.close_reason == "confirmed" and o.reopened == 1
    assert o.first_action_at == 1001.0  # the team's acceptance
    # waiting on the customer and the rejected result are both pauses of the SLA clock
    assert o.pauses == ((1003.0, 1004.0), (1005.0, 1006.0))
