"""Property-based specification: random event sequences never break the router's invariants.

Hypothesis drives the router with arbitrary interleavings of arrivals, hang-ups, presence
changes, accepts, declines, completions, transfers and time jumps. After every step the
invariants hold (`violations` is empty), refused events change nothing, and offers are fair
between equally skilled agents.
"""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hotline.domain import AgentState, Channel, OverflowRule, RelaxStep
from hotline.routing import RoutingError
from hotline.routing import events as ev
from hotline.routing.invariants import violations

from .center import Drive, agent, center, queue

AGENTS = ["a1", "a2", "a3", "a4"]
TWINS = {"a1": "a2", "a2": "a1"}  # identical skills: fairness is checked between them
QUEUES = ["general", "english", "complaints"]


def make() -> Drive:
    cfg = center(
        [
            queue("general", ("general", 3), wrap_up_s=5, offer_timeout_s=10),
            queue(
                "english",
                ("english", 7),
                relax=(RelaxStep(20, 3),),
                overflow=(OverflowRule("general", after_s=60),),
            ),
            queue(
                "complaints",
                ("complaints", 5),
                priority=2,
                overflow=(OverflowRule("callback", after_s=90),),
            ),
        ],
        [
            agent("a1", chat_capacity=2, general=5, english=5),
            agent("a2", chat_capacity=2, general=5, english=5),
            agent("a3", general=8),
            agent("a4", english=9, complaints=6),
        ],
        callback_retry_s=30,
    )
    return Drive(cfg, 1_000_000.0)


step = st.one_of(
    st.tuples(
        st.just("arrive"),
        st.sampled_from(QUEUES),
        st.sampled_from(list(Channel)),
        st.integers(0, 2),
        st.booleans(),
    ),
    st.tuples(st.just("leave"), st.integers(0, 50)),
    st.tuples(
        st.sampled_from(["login", "logout", "ready", "not_ready", "wrap_done"]),
        st.sampled_from(AGENTS),
    ),
    st.tuples(st.sampled_from(["accept", "accept", "decline"]), st.integers(0, 3)),
    st.tuples(st.just("complete"), st.integers(0, 3), st.booleans()),
    st.tuples(st.just("transfer"), st.integers(0, 3), st.sampled_from(QUEUES)),
    st.tuples(st.sampled_from(["hold", "resume"]), st.integers(0, 3)),
    st.tuples(st.just("wait"), st.floats(0, 40)),
    # call control: consult an agent or a queue, answer, end it each way, hang up, go out
    st.tuples(st.just("consult"), st.integers(0, 3), st.sampled_from([*AGENTS, *QUEUES])),
    st.tuples(st.just("consult_answer"), st.integers(0, 3)),
    st.tuples(
        st.just("consult_end"),
        st.integers(0, 3),
        st.sampled_from(["transfer", "conference", "return", "left", "holder_left"]),
    ),
    st.tuples(st.just("transfer_out"), st.integers(0, 3)),
)


arrivals = st.tuples(
    st.just("arrive"),
    st.sampled_from(QUEUES),
    st.sampled_from([Channel.VOICE, Channel.CHAT]),
    st.just(0),
    st.just(False),
)


def to_event(d: Drive, s: tuple, n: int):
    kind = s[0]
    r = d.router
    if kind == "arrive":
        _, q, ch, prio, green = s
        return ev.ContactArrived(
            f"c{n}", q, channel=ch, customer=f"1390000{n:04d}", priority=prio, green=green
        )
    if kind == "leave":
        live = [c.id for c in r.contacts()]
        return ev.CustomerLeft(live[s[1] % len(live)]) if live else None
    if kind in ("accept", "decline"):
        offered = [a for a in AGENTS if r.offer_of(a)] or AGENTS
        a = offered[s[1] % len(offered)]
        cid = r.offer_of(a)
        return (ev.OfferAccepted if kind == "accept" else ev.OfferDeclined)(a, cid or "none")
    if kind in ("consult_answer", "consult_end"):
        return _consult_event(r, s)
    if kind in ("complete", "transfer", "hold", "resume", "consult", "transfer_out"):
        busy = [a for a in AGENTS if r.agent(a).contacts] or AGENTS
        a = busy[s[1] % len(busy)]
    else:
        a = s[1]
    simple = {
        "login": ev.AgentLogin,
        "logout": ev.AgentLogout,
        "ready": ev.AgentReady,
        "not_ready": ev.AgentNotReady,
        "wrap_done": ev.WrapUpDone,
    }
    if kind in simple:
        return simple[kind](a)
    held = r.agent(a).contacts
    cid = held[0] if held else "none"
    if kind == "complete":
        return ev.ContactCompleted(a, cid, reached=s[2])
    if kind == "transfer":
        return ev.TransferToQueue(a, cid, s[2])
    if kind == "consult":
        if s[2] in QUEUES:
            return ev.ConsultStart(a, cid, queue=s[2])
        return ev.ConsultStart(a, cid, target_agent_id=s[2])
    if kind == "transfer_out":
        return ev.TransferOut(a, cid, "4008001234")
    return (ev.Hold if kind == "hold" else ev.Resume)(a, cid)


def _consult_event(r, s: tuple):
    """An event about one of the live consults (or a refused one when there is none)."""
    consults = [c for c in r.contacts() if c.data.get("consult")]
    if not consults:
        return ev.ConsultAnswered("none", "a1")
    c = consults[s[1] % len(consults)]
    cons = c.data["consult"]
    if s[0] == "consult_answer":
        return ev.ConsultAnswered(c.id, cons["agent"])
    how = s[2]
    if how == "left":
        return ev.ConsultLeft(c.id, cons["agent"])
    if how == "holder_left":
        return ev.ConsultLeft(c.id, c.agent_id or "a1")
    return ev.ConsultEnd(c.agent_id or "a1", c.id, how)


def check_fair_first_offer(before: dict, out: list) -> None:
    """The first offer of a step never skips an equally skilled agent idle for longer."""
    for rec in out:
        if rec.kind == "agent.state" and rec.data["to"] == "reserved":
            continue
        if rec.kind != "contact.offered":
            if rec.kind == "agent.state":
                return  # someone's state changed first: the snapshot no longer applies
            continue
        got, twin = rec.agent_id, TWINS.get(rec.agent_id)
        if twin is None:
            return
        g, t = before[got], before[twin]
        if rec.channel == Channel.CHAT.value:
            if t.state in (AgentState.AVAILABLE, AgentState.BUSY) and t.pending_reason is None:
                twin_free = t.state is AgentState.AVAILABLE or len(t.contacts) < 2
                assert not (twin_free and len(t.contacts) < len(g.contacts)), (rec, g, t)
        elif t.state is AgentState.AVAILABLE and g.state is AgentState.AVAILABLE:
            assert (g.idle_since, got) <= (t.idle_since, twin), (rec, g, t)
        return


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(step, arrivals, arrivals), min_size=1, max_size=80))
def test_random_event_sequences_keep_every_invariant(steps):
    d = make()
    d.login(*AGENTS)  # start staffed; logouts and breaks come from the steps
    for n, s in enumerate(steps):
        if s[0] == "wait":
            d.at(d.now + s[1])
        else:
            event = to_event(d, s, n)
            if event is None:
                continue
            d.now += 0.5
            d.at(d.now)  # deadlines first, as the runtime does
            before_agents = {a.id: a for a in d.router.agents()}
            before = (d.router.agents(), d.router.contacts())
            try:
                out = d(event)
            except RoutingError:
                assert (d.router.agents(), d.router.contacts()) == before, event
            else:
                check_fair_first_offer(before_agents, out)
        problems = violations(d.router)
        assert problems == [], (s, problems)
    d.at(d.now + 10_000)  # long after: every offer has rung out, every wrap-up ended
    assert violations(d.router) == []
    assert all(a.state is not AgentState.RESERVED for a in d.router.agents())
