"""Knowledge base core: Chinese/English search (bigrams + words, OpenCC folding, synonyms,
pinyin fallback, BM25), snippets, templates and import parsing. Pure: no database, no web.

`KbService` (kb/service.py) ties it to a repository (`hotline.store.kb.KbStore`).
"""

from hotline.kb.model import Article, ArticleDraft, ErrorReport, Hit, SynonymGroup, Template
from hotline.kb.search import KnowledgeSearch, SearchResult

__all__ = [
    "Article",
    "ArticleDraft",
    "ErrorReport",
    "Hit",
    "KnowledgeSearch",
    "SearchResult",
    "SynonymGroup",
    "Template",
]
