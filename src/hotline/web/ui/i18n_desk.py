"""UI words (zh-CN, en) of the desk's agent assist and the KB editor; `i18n.STRINGS` includes
this table."""

from __future__ import annotations

DESK: dict[str, tuple[str, str]] = {
    # -- agent assist (desk) ------------------------------------------------------------------
    "assist.title": ("智能辅助", "Agent assist"),
    "assist.based_on": ("依据：{q}", "From: {q}"),
    "assist.templates": ("推荐答复模板", "Suggested answer templates"),
    "assist.articles": ("推荐知识", "Suggested articles"),
    "assist.template": ("模板", "Template"),
    "assist.article": ("知识", "Article"),
    "assist.missing": ("待填：{f}", "To fill: {f}"),
    "assist.used": ("已引用", "Quoted"),
    "assist.quote_reply": ("引用到回复", "Use in reply"),
    "assist.quote_note": ("引用到备注", "Quote in note"),
    "assist.waiting": (
        "客户发言后，这里会推荐知识和答复模板。",
        "Suggestions appear here as the customer writes.",
    ),
    "assist.nothing": ("知识库中没有匹配的内容", "Nothing in the knowledge base fits yet"),
}
