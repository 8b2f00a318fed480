"""The self-service bot: answers from the knowledge base when it is confident, always offers a
person, and tells the chat service when the customer asks for one.

Confidence is the KB search's own evidence, no extra model: the best article must cover at
least `threshold` of the question's known terms (idf-weighted) AND stand out from the runner-up
(score ratio >= `margin`) - two near-identical articles mean the bot cannot know which applies.
Below that the bot says so, lists the closest titles and offers "talk to an agent".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from hotline.kb.service import KbService

WANT_AGENT = re.compile(
    r"人工|真人|客服人员|转接|投诉|\bagent\b|\bhuman\b|\boperator\b|\bperson\b", re.I
)
BODY_LIMIT = 600

TEXT = {
    "zh": {
        "greeting": "您好，我是智能客服，请直接输入您的问题。需要人工服务请点「转人工」。",
        "unsure": "抱歉，我没有找到确切的答案。",
        "related": "您可以看看这些：",
        "offer": "没有解决？点「转人工」由客服为您处理。",
        "empty": "请用一句话描述您的问题。",
    },
    "en": {
        "greeting": "Hello, I am the virtual assistant. Ask your question; press "
        "“Talk to an agent” any time to reach a person.",
        "unsure": "Sorry, I could not find a clear answer.",
        "related": "These may help:",
        "offer": "Not solved? Press “Talk to an agent”.",
        "empty": "Please describe your question in one sentence.",
    },
}


def lang_key(language: str | None) -> str:
    return "en" if (language or "").lower().startswith("en") else "zh"


def wants_agent(text: str) -> bool:
    return bool(WANT_AGENT.search(text))


@dataclass(frozen=True, slots=True)
class BotReply:
    confident: bool
    text: str
    article_id: int | None = None
    coverage: float = 0.0
    suggestions: tuple[tuple[int, str], ...] = field(default_factory=tuple)
    actions: tuple[str, ...] = ("agent",)  # the widget always shows "talk to an agent"


class Bot:
    def __init__(self, kb: KbService, threshold: float = 0.6, margin: float = 1.15) -> None:
        self.kb = kb
        self.threshold = threshold
        self.margin = margin

    def greeting(self, language: str | None) -> str:
        return TEXT[lang_key(language)]["greeting"]

    def reply(self, question: str, language: str | None = None) -> BotReply:
        t = TEXT[lang_key(language)]
        if not question.strip():
            return BotReply(False, t["empty"])
        hits = self.kb.search(question, k=3).hits
        if not hits:
            return BotReply(False, f"{t['unsure']}\n{t['offer']}")
        top = hits[0]
        clear = len(hits) == 1 or top.score >= self.margin * hits[1].score
        if top.coverage >= self.threshold and clear:
            a = top.article
            body = a.body if len(a.body) <= BODY_LIMIT else a.body[:BODY_LIMIT] + "…"
            actions = ("solved", "agent")
            return BotReply(
                True, f"{a.title}\n{body}\n\n{t['offer']}", a.id, top.coverage, actions=actions
            )
        suggestions = tuple((h.article.id, h.article.title) for h in hits)
        listing = "\n".join(f"· {title}" for _id, title in suggestions)
        return BotReply(
            False,
            f"{t['unsure']}\n{t['related']}\n{listing}\n{t['offer']}",
            None,
            top.coverage,
            suggestions,
        )
