"""Voice figures from the gateway's facts: IVR containment and the keypad survey."""

from hotline.domain.records import EventRecord
from hotline.kpi.voice import voice_kpis


def call(at, contained=False, queued=False, surveyed=False):
    data = {"contained": contained, "queued": queued, "survey_offered": surveyed}
    return EventRecord(at=at, kind="voice.call", contact_id=f"c{at}", data=data)


def survey(at, score):
    return EventRecord(at=at, kind="voice.survey", contact_id=f"c{at}", data={"score": score})


def test_containment_counts_self_service_calls_that_never_became_contacts():
    facts = [call(1, contained=True), call(2, contained=True), call(3, queued=True), call(4)]
    k = voice_kpis(facts, 0, 10)
    assert (k.calls, k.contained, k.to_person, k.containment_rate) == (4, 2, 1, 0.5)


def test_survey_figures_carry_the_response_rate():
    facts = [call(1, queued=True, surveyed=True), call(2, queued=True, surveyed=True)]
    k = voice_kpis(
        [*facts, survey(1.5, 5), call(3, queued=True, surveyed=True), survey(3, 2)], 0, 10
    )
    assert (k.survey_offered, k.survey_replies, k.mean_score) == (3, 2, 3.5)
    assert k.response_rate == 2 / 3 and k.satisfied_rate == 0.5


def test_only_calls_summarised_in_the_period_count():
    k = voice_kpis([call(1, contained=True), call(20)], 10, 30)
    assert (k.calls, k.contained) == (1, 0)
    assert voice_kpis([], 0, 1).containment_rate is None
