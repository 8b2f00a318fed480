"""Call-control figures per queue, from the facts a real router emits."""

from hotline.kpi.call_control import call_control_kpis
from hotline.routing import events as ev

from .center import Drive, agent, center, queue

T0 = 1_000_000.0


def test_transfers_per_queue_and_consult_time_from_a_day_of_call_control():
    qs = (queue("general", ("general", 1)), queue("complaints", ("complaints", 1)))
    agents = [agent("a1", general=5, complaints=5), agent("a2", general=5), agent("a3", general=5)]
    d = Drive(center(qs, agents), T0)
    d.login("a1")
    d.arrive("c1")
    d.answer("a1")
    d.login("a2", "a3")
    d(ev.ConsultStart("a1", "c1", target_agent_id="a2"), at=T0 + 10)
    d(ev.ConsultAnswered("c1", "a2"), at=T0 + 12)
    d(ev.ConsultEnd("a1", "c1", "transfer"), at=T0 + 40)  # 30 s consult, then transferred
    d(ev.ConsultStart("a2", "c1", target_agent_id="a3"), at=T0 + 50)
    d(ev.ConsultAnswered("c1", "a3"), at=T0 + 51)
    d(ev.ConsultEnd("a2", "c1", "conference"), at=T0 + 60)  # 10 s, then a conference
    d(ev.CustomerLeft("c1"), at=T0 + 120)  # the conference's end is no second consult
    d.arrive("c2", "complaints", at=T0 + 130)
    d.answer("a1")
    d(ev.TransferOut("a1", "c2", "4008001234"), at=T0 + 140)
    k = call_control_kpis(d.log, T0, T0 + 200)
    g, c = k["general"], k["complaints"]
    assert (g.transfers, g.after_consult, g.out, g.consults, g.conferences) == (1, 1, 0, 2, 1)
    assert g.consult_s == 40.0 and g.mean_consult_s == 20.0
    assert (c.transfers, c.out, c.consults, c.mean_consult_s) == (1, 1, 0, None)
    assert call_control_kpis(d.log, T0 + 500, T0 + 600) == {}
