"""Read articles from a folder of Markdown/plain-text files or a CSV of Q&A pairs.

Folder: every `*.md` / `*.markdown` / `*.txt` file (recursively) is one article. The title is
the first `# heading` (else the first line, else the file name); an optional front-matter block
sets fields::

    ---
    category: 行李
    tags: 丢失, 赔偿
    language: zh-CN
    owner: a01
    valid_from: 2026-01-01
    valid_to: 2026-12-31
    ---

The category defaults to the sub-folder name. CSV: a header row naming the question and answer
columns (`question`/`answer`, `title`/`body` or `问题`/`答案`), optional `category`, `tags`
(separated by `,` `，` `;` or `|`), `language`, `owner`. UTF-8 with or without BOM, and GB18030
(what Excel in China saves) are accepted.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from hotline.kb.model import LANGUAGES, MAX_BODY_CHARS, MAX_TITLE_CHARS, ArticleDraft
from hotline.kb.text import is_han

SUFFIXES = {".md", ".markdown", ".txt"}
_TAG_SPLIT = re.compile(r"[,，;；|]")
_COLUMNS = {
    "title": ("question", "title", "问题", "标题", "q"),
    "body": ("answer", "body", "答案", "回答", "内容", "a"),
    "category": ("category", "分类", "类别"),
    "tags": ("tags", "标签"),
    "language": ("language", "语言"),
    "owner": ("owner", "负责人"),
}
TZ = ZoneInfo("Asia/Shanghai")
#: a file this large cannot hold one article within the limits (4 bytes per character at most)
MAX_FILE_BYTES = 4 * (MAX_TITLE_CHARS + MAX_BODY_CHARS) + 64 * 1024
#: a CSV file holds many articles; past this, split it
MAX_CSV_BYTES = 256 * 1024 * 1024


class ImportError_(ValueError):
    """A file that cannot be imported; the message names the file and the problem."""


def read_text(path: Path, max_bytes: int = MAX_FILE_BYTES) -> str:
    size = path.stat().st_size
    if size > max_bytes:
        raise ImportError_(
            f"{path}: {size:,} bytes is too large to import (at most {max_bytes:,} bytes; "
            f"an article has at most {MAX_BODY_CHARS:,} characters)"
        )
    raw = path.read_bytes()
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    raise ImportError_(f"{path}: neither UTF-8 nor GB18030 text")


def guess_language(text: str) -> str:
    from hotline.kb.text import _converter  # tw2sp: a traditional text changes when folded

    if not is_han(text):
        return "en"
    sample = text[:400]
    return "zh-TW" if _converter.convert(sample) != sample else "zh-CN"


def _date(value: str, where: str) -> float | None:
    value = value.strip()
    if not value:
        return None
    try:
        dt = datetime.fromisoformat(value)
    except ValueError as exc:
        raise ImportError_(f"{where}: {value!r} is not a date (YYYY-MM-DD)") from exc
    return (dt if dt.tzinfo else dt.replace(tzinfo=TZ)).timestamp()


def _language(value: str | None, text: str, where: str) -> str:
    if not value:
        return guess_language(text)
    if value not in LANGUAGES:
        raise ImportError_(f"{where}: language {value!r} is not one of {', '.join(LANGUAGES)}")
    return value


def parse_markdown(text: str, name: str, category: str = "") -> ArticleDraft:
    meta: dict[str, str] = {}
    if text.startswith("---"):
        end = text.find("\n---", 3)
        if end != -1:
            for line in text[3:end].splitlines():
                if ":" in line:
                    k, v = line.split(":", 1)
                    meta[k.strip().lower()] = v.strip()
            text = text[end + 4 :].lstrip("\n")
    lines = text.strip().splitlines()
    title, body = Path(name).stem, text.strip()
    if lines:
        first = lines[0].strip()
        if first.startswith("#"):
            title, body = first.lstrip("#").strip(), "\n".join(lines[1:]).strip()
        elif len(lines) > 1 and len(first) <= 80:
            title, body = first, "\n".join(lines[1:]).strip()
    if not body:
        raise ImportError_(f"{name}: empty article")
    _check_size(title, body, name)
    return ArticleDraft(
        title=title,
        body=body,
        category=meta.get("category", category),
        tags=tuple(t.strip() for t in _TAG_SPLIT.split(meta.get("tags", "")) if t.strip()),
        language=_language(meta.get("language"), title + body, name),
        valid_from=_date(meta.get("valid_from", ""), f"{name}: valid_from"),
        valid_to=_date(meta.get("valid_to", ""), f"{name}: valid_to"),
        owner=meta.get("owner") or None,
    )


def _check_size(title: str, body: str, where: str) -> None:
    if len(title) > MAX_TITLE_CHARS:
        raise ImportError_(
            f"{where}: the title has {len(title):,} characters (at most {MAX_TITLE_CHARS:,})"
        )
    if len(body) > MAX_BODY_CHARS:
        raise ImportError_(
            f"{where}: the answer has {len(body):,} characters (at most {MAX_BODY_CHARS:,})"
        )


def read_folder(folder: Path) -> Iterator[ArticleDraft]:
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.suffix.lower() in SUFFIXES:
            rel = path.relative_to(folder)
            category = rel.parts[0] if len(rel.parts) > 1 else ""
            yield parse_markdown(read_text(path), str(rel), category)


def read_csv(path: Path) -> Iterator[ArticleDraft]:
    reader = csv.DictReader(io.StringIO(read_text(path, MAX_CSV_BYTES)))
    try:
        yield from _csv_rows(path, reader)
    except csv.Error as exc:  # e.g. a field over csv's own limit (131,072 characters)
        if "field limit" in str(exc):
            raise ImportError_(
                f"{path}:{reader.line_num}: a field is longer than csv's limit of "
                f"{csv.field_size_limit():,} characters (an answer has at most "
                f"{MAX_BODY_CHARS:,})"
            ) from None
        raise ImportError_(f"{path}:{reader.line_num}: not valid CSV ({exc})") from None


def _csv_rows(path: Path, reader: csv.DictReader) -> Iterator[ArticleDraft]:
    header = {(h or "").strip().lower(): h for h in reader.fieldnames or ()}
    cols = {}
    for field_, names in _COLUMNS.items():
        cols[field_] = next((header[n] for n in names if n in header), None)
    if cols["title"] is None or cols["body"] is None:
        raise ImportError_(
            f"{path}: needs a question and an answer column (question/answer or 问题/答案); "
            f"found {', '.join(header) or 'no header'}"
        )
    for n, row in enumerate(reader, start=2):
        title = (row.get(cols["title"]) or "").strip()
        body = (row.get(cols["body"]) or "").strip()
        if not title and not body:
            continue
        if not title or not body:
            raise ImportError_(f"{path}:{n}: a row needs both a question and an answer")
        _check_size(title, body, f"{path}:{n}")

        def get(key: str, row=row) -> str:
            return (row.get(cols[key]) or "").strip() if cols[key] else ""

        yield ArticleDraft(
            title=title,
            body=body,
            category=get("category"),
            tags=tuple(t.strip() for t in _TAG_SPLIT.split(get("tags")) if t.strip()),
            language=_language(get("language"), title + body, f"{path}:{n}"),
            owner=get("owner") or None,
        )


def read_source(source: Path) -> list[ArticleDraft]:
    """A folder, or a `.csv` file, or a single Markdown/text file."""
    if source.is_dir():
        return list(read_folder(source))
    if source.suffix.lower() == ".csv":
        return list(read_csv(source))
    if source.suffix.lower() in SUFFIXES:
        return [parse_markdown(read_text(source), source.name)]
    raise ImportError_(f"{source}: not a folder, a .csv or a .md/.txt file")
