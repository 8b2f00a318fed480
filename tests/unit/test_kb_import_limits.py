"""`hotline kb import` refuses what the KB cannot take, naming the file (and row), never a
traceback: an oversized CSV field used to crash it, a 50 MB Markdown body was accepted."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from hotline.kb.importer import MAX_FILE_BYTES, ImportError_, read_source
from hotline.kb.model import MAX_BODY_CHARS, MAX_TITLE_CHARS


def write_csv(path: Path, rows: list[tuple[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["问题", "答案"])
        w.writerows(rows)
    return path


def test_an_answer_at_the_limit_is_imported(tmp_path: Path):
    answer = "请到服务台登记。" * (MAX_BODY_CHARS // 8)
    src = write_csv(tmp_path / "kb.csv", [("行李丢失怎么办", answer)])
    (draft,) = read_source(src)
    assert len(draft.body) == MAX_BODY_CHARS


def test_a_csv_answer_over_the_limit_names_the_row(tmp_path: Path):
    rows = [("航班延误", "请留意广播。"), ("行李丢失怎么办", "x" * (MAX_BODY_CHARS + 1))]
    with pytest.raises(ImportError_, match=r"kb\.csv:3: the answer has 100,001 characters"):
        read_source(write_csv(tmp_path / "kb.csv", rows))


def test_a_csv_field_over_csvs_own_limit_is_a_message_not_a_crash(tmp_path: Path):
    src = write_csv(tmp_path / "kb.csv", [("q", "y" * (csv.field_size_limit() + 10))])
    with pytest.raises(ImportError_, match=r"kb\.csv:\d+: a field is longer than csv's limit"):
        read_source(src)


def test_a_long_title_is_refused(tmp_path: Path):
    with pytest.raises(ImportError_, match=f"the title has {MAX_TITLE_CHARS + 1} characters"):
        read_source(write_csv(tmp_path / "kb.csv", [("问" * (MAX_TITLE_CHARS + 1), "答")]))


def test_a_huge_markdown_file_is_refused_before_it_is_read(tmp_path: Path):
    md = tmp_path / "big.md"
    with md.open("wb") as f:
        f.write("# 大文件\n".encode())
        f.truncate(MAX_FILE_BYTES + 1)  # sparse: the size alone must refuse it
    with pytest.raises(ImportError_, match=r"big\.md: .* bytes is too large to import"):
        read_source(md)


def test_a_markdown_body_over_the_limit_in_a_folder_names_the_file(tmp_path: Path):
    (tmp_path / "行李").mkdir()
    (tmp_path / "行李" / "ok.md").write_text("# 能带充电宝吗\n可以，20000mAh以下。", "utf-8")
    (tmp_path / "行李" / "long.md").write_text("# 长文\n" + "长" * (MAX_BODY_CHARS + 5), "utf-8")
    with pytest.raises(ImportError_, match=r"long\.md: the answer has 100,005 characters"):
        read_source(tmp_path)
