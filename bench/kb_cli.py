"""Cold `hotline kb search` latency: what a person waits for when checking an import.

`.venv/bin/python bench/kb_cli.py [--quick] [--articles N] [--runs N] [--src DIR]`

Makes a SQLite center in a temporary folder, imports N generated Q&A articles with
`hotline kb import`, then runs `hotline kb search` as a fresh process `--runs` times and
reports the median wall time, and the same for `python -c "import hotline.cli"` (the import
floor every command pays). `--src` runs another checkout's `src/` (side-by-side comparisons on
one loaded machine). The last line is `RESULT kb_cli_search_s=… import_s=… articles=…`.
"""

from __future__ import annotations

import argparse
import csv
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _run(cmd: list[str], env: dict[str, str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, capture_output=True, timeout=300)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--articles", type=int, default=None)
    ap.add_argument("--runs", type=int, default=None)
    ap.add_argument("--src", type=Path, default=ROOT / "src")
    args = ap.parse_args()
    n = args.articles or (500 if args.quick else 5000)
    runs = args.runs or (3 if args.quick else 7)
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "PYTHONPATH": str(args.src),
            "HOTLINE_DATABASE_URL": f"sqlite:///{tmp}/h.db",
        }
        py = [sys.executable]
        subprocess.run([*py, "-m", "hotline.cli", "init"], env=env, check=True, capture_output=True)
        src = Path(tmp) / "a.csv"
        with src.open("w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(["question", "answer"])
            for i in range(n):
                w.writerow(
                    [
                        f"城市{i % 50}航班{i}退票手续费怎么算",
                        f"第{i}条：起飞前24小时以上退票收取5%手续费。" * 5,
                    ]
                )
        subprocess.run(
            [*py, "-m", "hotline.cli", "kb", "import", str(src)],
            env=env,
            check=True,
            capture_output=True,
        )
        search = [
            _run([*py, "-m", "hotline.cli", "kb", "search", "退票手续费"], env) for _ in range(runs)
        ]
        imports = [_run([*py, "-c", "import hotline.cli"], env) for _ in range(runs)]
    load = os.getloadavg()[0]
    print(f"src={args.src} articles={n} runs={runs} load1={load:.1f}")
    print(f"search s: {', '.join(f'{x:.2f}' for x in search)}")
    print(f"import s: {', '.join(f'{x:.2f}' for x in imports)}")
    print(
        f"RESULT kb_cli_search_s={statistics.median(search):.2f} "
        f"import_s={statistics.median(imports):.2f} articles={n} load1={load:.1f}"
    )


if __name__ == "__main__":
    main()
