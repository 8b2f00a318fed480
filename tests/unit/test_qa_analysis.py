"""QA of one call or chat, on real speech made here (espeak-ng + sox) and real models.

The English call is transcribed by the shipped Whisper tiny.en model (`hotline[asr]`,
installed by `make install`): no mock stands in for the recogniser or the VAD.
"""

from __future__ import annotations

import pytest

from hotline.qa.analyse import Analyser
from hotline.qa.asr import Segment, default_backend
from hotline.qa.audio import read_wav
from hotline.qa.rules import load_rules
from tests.unit.qa_audio import have_tools, planted_call

pytestmark = pytest.mark.skipif(not have_tools(), reason="espeak-ng and sox are needed")


@pytest.fixture(scope="module")
def call(tmp_path_factory):
    return planted_call(tmp_path_factory.mktemp("call"))


def _channels(call):
    return {
        "agent": (read_wav(call["agent_wav"]), 0.0),
        "customer": (read_wav(call["customer_wav"]), 0.0),
    }


def test_vad_alone_finds_the_dead_air_and_the_talk_over_at_the_right_seconds(call):
    result = Analyser(load_rules()).call(_channels(call), asr=None, language="en")
    kinds = {f.kind: f for f in result.findings}
    assert result.asr == "no transcript: ASR disabled"
    assert [f.kind for f in result.findings].count("dead_air") == 1
    dead = kinds["dead_air"]
    assert abs(dead.at - call["dead_air"][0]) <= 1.0
    assert abs(dead.end - call["dead_air"][1]) <= 1.0
    over = kinds["talk_over"]
    assert abs(over.at - call["overlap"][0]) <= 1.0
    assert abs(over.end - call["overlap"][1]) <= 1.0
    ratio = result.acoustics.agent_talk_ratio
    assert 0.5 < ratio < 0.8  # the agent has the longer lines of this call


def test_transcribed_call_flags_the_planted_phrase_at_its_second(call):
    rules = load_rules()
    result = Analyser(rules).call(_channels(call), asr=default_backend, language="en")
    assert result.asr == "whisper-tiny.en"
    text = " ".join(s.text for s in result.segments if s.speaker == "agent").lower()
    assert "stupid" in text
    rude = [f for f in result.findings if f.kind == "forbidden" and f.rule == "rude"]
    assert rude, result.findings
    hit = min(rude, key=lambda f: abs(f.at - call["forbidden_at"]))
    assert abs(hit.at - call["forbidden_at"]) <= 1.0, (hit, call["forbidden_at"])
    assert hit.speaker == "agent" and "stupid" in hit.context
    missing = {f.rule for f in result.findings if f.kind == "missing"}
    assert "greeting" not in missing and "closing" not in missing
    assert {f.kind for f in result.findings} >= {"forbidden", "dead_air", "talk_over"}


def test_a_chinese_chat_with_a_homophone_of_a_forbidden_phrase_is_flagged():
    chat = [
        Segment(0.0, 0.0, "customer", "你好，我家停电了，什么时候来电？"),
        Segment(12.0, 12.0, "agent", "您好，这个我也不知到，你自己去查吧。"),
        Segment(30.0, 30.0, "agent", "這個不歸我們管。"),
    ]
    result = Analyser(load_rules()).chat(chat)
    forbidden = [f for f in result.findings if f.kind == "forbidden"]
    by_text = {f.text: f for f in forbidden}
    assert by_text["不知到"].method == "pinyin" and by_text["不知到"].at == 12.0
    assert by_text["自己去查"].method == "exact"
    assert by_text["不歸我們管"].method == "exact"  # traditional folded to 不归我们管
    assert "我也不知到" in by_text["不知到"].context
    assert {f.rule for f in result.findings if f.kind == "missing"} == {"verification", "closing"}


def test_the_customers_words_are_not_held_against_the_agent():
    chat = [Segment(0.0, 0.0, "customer", "你们有病吧，我不知道怎么办")]
    result = Analyser(load_rules()).chat(chat)
    assert not [f for f in result.findings if f.kind == "forbidden"]


def test_the_multilingual_model_ships_in_two_halves_and_is_joined_for_chinese(call, tmp_path):
    from hotline.qa.asr import WhisperBackend, pick_model, shipped_models

    models = shipped_models(cache=tmp_path)
    base = pick_model("zh", models)
    assert base.name == "whisper-base" and not base.english_only
    assert (base.path / "model.bin").stat().st_size > 140_000_000
    assert pick_model("en", models).name == "whisper-tiny.en"  # the faster one for English
    again = shipped_models(cache=tmp_path)  # joined once, reused
    assert [m.path for m in again] == [m.path for m in models]
    segs = WhisperBackend(base).transcribe(read_wav(call["agent_wav"]), "agent", "en")
    assert "stupid" in " ".join(s.text for s in segs).lower()


def test_a_chinese_call_is_transcribed_by_the_multilingual_model_and_flagged(tmp_path):
    """espeak-ng's Chinese characters dictionary is incomplete here, so the agent's line is
    spoken from its pinyin (voice cmn-latn-pinyin): robotic Mandarin, but real speech."""
    from pypinyin import Style, lazy_pinyin

    from tests.unit.qa_audio import channel, say, write_wav

    line = "我真的不知道"
    clip = say(" ".join(lazy_pinyin(line, style=Style.TONE3)), voice="cmn-latn-pinyin")
    path = write_wav(tmp_path / "zh-caller.wav", channel([(2.0, clip)], 2.0 + len(clip) / 8000 + 1))
    result = Analyser(load_rules()).call(
        {"agent": (read_wav(path), 0.0)}, asr=default_backend, language="zh"
    )
    assert result.asr == "whisper-base"
    refusal = [f for f in result.findings if f.kind == "forbidden" and f.rule == "refusal"]
    # exact or, if the recogniser picks a homophone (不知到), through the pinyin pass
    assert any(lazy_pinyin(f.text) == ["bu", "zhi", "dao"] for f in refusal), result.segments
    assert all(abs(f.at - 2.0) <= 2.5 for f in refusal)
