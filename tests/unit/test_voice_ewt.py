"""The wait the caller hears: nearest minute, aged, and none once an agent is ringing."""

from hotline.channels.sip.ewt import announced_ewt
from hotline.ivr.flow import WaitingPlan
from hotline.ivr.waiting import ewt_prompts

PLAN = WaitingPlan(announce_ewt=True, ewt_max_min=5)


def heard(ewt_s, age_s=0.0, offered=False):
    return ewt_prompts(PLAN, announced_ewt(ewt_s, age_s, offered))


def test_150_s_is_announced_as_about_two_minutes_not_three():
    assert heard(150) == ("ewt_2",)
    assert heard(151) == ("ewt_3",) and heard(89) == ("ewt_1",) and heard(10) == ("ewt_1",)


def test_the_estimate_ages_while_the_connecting_prompt_plays():
    assert heard(200, age_s=20) == ("ewt_3",)  # 180 s left
    assert heard(200, age_s=60) == ("ewt_2",)


def test_no_wait_is_announced_when_an_agent_is_already_ringing():
    assert heard(150, offered=True) == ()
    assert heard(None) == ()
