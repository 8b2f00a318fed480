"""Agent assist's pure parts: the question from the customer's lines, recency fusion, the
flight number typed, and which templates fit."""

from __future__ import annotations

from hotline.kb.assist import flight_number, fuse, question, rank_templates, recent_lines
from hotline.kb.model import Template


def _t(tid: int, name: str, body: str, category: str = "", active: bool = True) -> Template:
    return Template(tid, name, body, category, None, active, 0.0, "sup")


def test_the_question_is_the_customer_s_last_lines_cut_from_the_old_end():
    lines = ["你好", "  ", "我的行李\n没到", "怎么办", "在哪里登记"]
    assert recent_lines(lines) == ["我的行李 没到", "怎么办", "在哪里登记"]
    assert question(lines) == "我的行李 没到 怎么办 在哪里登记"
    long = "长" * 500
    assert question([long, "在哪里"]) == ("长" * 500 + " 在哪里")[-200:]
    assert question([]) == ""


def test_fusion_lets_the_newest_line_lead_and_rewards_agreement():
    # oldest line found a, b; newest found c, a
    fused = dict(fuse([["a", "b"], ["c", "a"]]))
    assert fused["c"] == 1.0 and fused["a"] == 0.5 + 0.5 and fused["b"] == 0.25
    assert [k for k, _ in fuse([["a"], ["b"]])] == ["b", "a"]
    assert fuse([]) == []


def test_flight_numbers_are_found_in_any_case_and_width():
    assert flight_number(["航班 mu5137 延误"]) == "MU5137"
    assert flight_number(["ＣＡ１２３４ 几点起飞", "换成 3U 8888"]) == "3U8888"
    assert flight_number(["行李牌 CA123456", "电话 13812345678"]) is None


def test_templates_fit_by_category_and_words_and_are_filled():
    templates = [
        _t(1, "改签答复", "{{客户姓名}}您好，{{航班号}} 可改签。", "航班"),
        _t(2, "问候", "您好，很高兴为您服务。", "通用"),
        _t(3, "旧改签", "改签请拨打电话。", "航班", active=False),
        _t(4, "行李答复", "行李请到柜台登记。", "行李"),
    ]
    hits = rank_templates(templates, ["航班延误能改签吗"], [["航班"]], {"航班号": "MU5137"})
    assert [h.template.id for h in hits] == [1]  # no greeting, nothing inactive
    assert hits[0].rendered.text == "【客户姓名】您好，MU5137 可改签。"
    assert hits[0].rendered.missing == ("客户姓名",)
    # the newest line counts twice the one before it
    lines, cats = ["航班延误能改签吗", "行李也没到"], [["航班"], ["行李"]]
    assert [h.template.id for h in rank_templates(templates, lines, cats, {})] == [4, 1]
