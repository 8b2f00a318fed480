"""Reports at scale: a year of a large center in PostgreSQL, month and year reports from the cube.

`.venv/bin/python -m bench.reports [--quick] [--contacts N]`

1. Bulk: N contacts over the year 2025 (default 10 million, `--quick` 200,000) are generated
   *inside* PostgreSQL (`INSERT … SELECT generate_series`, seeded) straight into the contact
   facts table, with 150 agents' 15-minute occupancy rows; then the 15-minute cube is built
   from the facts with the store's own statement (`Aggregates.rebuild_cube`). Generating in the
   server beats COPY here: formatting 10 M × 15 fields in Python costs minutes, generate_series
   seconds. The table's indexes (primary key included) are dropped for the load and built
   again after it, as a bulk load does, rather than maintaining four B-trees row by row in
   random key order. The bulk bypasses the event fold (folding 50 M events in Python would
   take longer than the machine's budget); the fold is checked on the sample below.
2. Reports: the month report (January, KPIs by queue × day, 31 periods) and the year report
   (by queue × month, 12 periods) through `ReportReader.series`, cold (new engine, first query)
   and warm (repeated); the month report of one team (15 of the 150 agents: contact facts by
   agent, `team_month_s`) and of one province (5 of the 20 queues: the cube, `province_month_s`).
   For comparison the same reports summed from the contact facts instead of the cube
   (thresholds for which no cube is kept take that path): `facts_*` figures.
3. Sample: `--sample` contacts (default 20,000) with full event timelines on 2026-01-05 are
   appended through `Store.append`, folded by the catch-up job, and compared field by field
   with `compute_kpis` / `kpis_by_queue` over the same events (the full refold in Python,
   timed: `refold_s`; `refold_full_est_s` scales it to N). Also: the month report from the
   cube equals the one from the facts, and the province's month is the sum of its queues'
   rows. `matches=1` when all hold.

The dedicated schema is dropped at the end. Ends with a `RESULT` line.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import random
import sys
import time
import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

import psycopg

from hotline.domain.records import EventRecord
from hotline.kpi import KpiOptions, compute_kpis, kpis_by_queue
from hotline.store import Store, make_engine, migrate
from hotline.store.aggregates import Aggregates
from hotline.store.aggregates_query import Filters, ReportReader

TZ = ZoneInfo("Asia/Shanghai")
PG = "postgresql://postgres@127.0.0.1:5432/test"
YEAR0 = datetime(2025, 1, 1, tzinfo=TZ).timestamp()
QUEUES, AGENTS = 20, 150

FACTS_SQL = """
INSERT INTO report_contacts (contact_id, bucket, created_at, queue, channel, agent_id, queued,
  answered, gave_up, handled, wait_s, talk_s, acw_s, ewt_err_s, outcome)
SELECT 'b' || i, floor(t / 900)::bigint, t, 'q' || (i % {queues}), ch,
  CASE WHEN ans = 1 THEN 'a' || (i % {agents}) END, q, ans, gu, CASE WHEN ans = 1 AND r4 < 0.98
  THEN 1 ELSE 0 END, CASE WHEN q = 1 THEN -ln(1 - r2) * 25 END,
  CASE WHEN ans = 1 AND r4 < 0.98 THEN 60 + r3 * 400 END,
  CASE WHEN ans = 1 AND r4 < 0.98 THEN r3 * 60 ELSE 0 END, CASE WHEN ans = 1 THEN r2 * 30 END,
  CASE WHEN gu = 1 THEN 'abandoned' WHEN ans = 1 THEN 'completed' END
FROM (
  SELECT i, t, ch, q, CASE WHEN q = 1 AND r1 < 0.87 THEN 1 ELSE 0 END AS ans,
    CASE WHEN q = 1 AND r1 >= 0.87 THEN 1 ELSE 0 END AS gu, r2, r3, r4
  FROM (
    SELECT i, {year0} + floor(random() * 365) * 86400 + 8 * 3600 + random() * 12 * 3600 AS t,
      CASE WHEN random() < 0.7 THEN 'voice' WHEN random() < 0.85 THEN 'chat' ELSE 'callback'
      END AS ch, CASE WHEN random() < 0.96 THEN 1 ELSE 0 END AS q,
      random() AS r1, random() AS r2, random() AS r3, random() AS r4
    FROM generate_series({lo}, {hi}) AS i
  ) raw
) x
"""

AGENT_SQL = """
INSERT INTO report_agent_intervals (bucket, agent_id, occupied_s, staffed_s)
SELECT floor(({year0} + d * 86400 + 8 * 3600) / 900)::bigint + k, 'a' || a, 900 * r, 900
FROM generate_series(0, 364) d, generate_series(0, {agents} - 1) a, generate_series(0, 47) k,
  LATERAL (SELECT 0.5 + random() * 0.4 AS r) z
"""


def _bulk(conn: psycopg.Connection, n: int) -> None:
    conn.execute("SET synchronous_commit = off")
    conn.execute("SET maintenance_work_mem = '512MB'")
    # the facts' indexes, as the migration made them, dropped for the load and built after
    indexes = conn.execute(
        "SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = "
        "'report_contacts' AND indexname NOT IN (SELECT conname FROM pg_constraint)"
    ).fetchall()
    (pk,) = conn.execute(
        "SELECT conname FROM pg_constraint WHERE conrelid = 'report_contacts'::regclass "
        "AND contype = 'p'"
    ).fetchone()
    for (definition,) in indexes:
        conn.execute(f"DROP INDEX {definition.split(' INDEX ', 1)[1].split(' ON ', 1)[0]}")
    conn.execute(f"ALTER TABLE report_contacts DROP CONSTRAINT {pk}")
    conn.execute("SELECT setseed(0.15)")
    step = 1_000_000
    for lo in range(0, n, step):
        hi = min(n, lo + step) - 1
        conn.execute(FACTS_SQL.format(queues=QUEUES, agents=AGENTS, year0=YEAR0, lo=lo, hi=hi))
        conn.commit()
    conn.execute(f"ALTER TABLE report_contacts ADD CONSTRAINT {pk} PRIMARY KEY (contact_id)")
    for (definition,) in indexes:
        conn.execute(definition)
    conn.execute(AGENT_SQL.format(year0=YEAR0, agents=AGENTS))
    conn.commit()
    conn.execute("ANALYZE")
    conn.commit()


def _sample_events(n: int, day0: float, seed: int = 7) -> list[EventRecord]:
    """Full timelines for `n` contacts and 40 agents over one day, in time order."""
    rng = random.Random(seed)
    out: list[EventRecord] = []
    for i in range(n):
        cid, t = f"s{i}", day0 + 8 * 3600 + rng.random() * 12 * 3600
        channel = rng.choice(["voice", "voice", "chat", "callback"])
        queue, agent = f"q{i % QUEUES}", f"a{i % 40}"
        out.append(EventRecord(t, "contact.created", cid, queue=queue, channel=channel))
        t += rng.random() * 5
        out.append(
            EventRecord(t, "contact.queued", cid, queue=queue, data={"ewt_s": rng.random() * 40})
        )
        wait = -math.log(1 - rng.random()) * 25
        if rng.random() < 0.87:
            out.append(
                EventRecord(t + wait, "contact.answered", cid, agent, queue, data={"wait_s": wait})
            )
            talk = 60 + rng.random() * 400
            out.append(
                EventRecord(
                    t + wait + talk, "contact.ended", cid, agent, data={"outcome": "completed"}
                )
            )
        else:
            out.append(
                EventRecord(
                    t + wait, "contact.ended", cid, data={"outcome": "abandoned", "wait_s": wait}
                )
            )
    for a in range(40):
        t, state = day0 + 8 * 3600 + rng.random() * 600, "offline"
        while t < day0 + 21 * 3600:
            to = rng.choice(["available", "busy", "wrap_up", "not_ready", "busy"])
            out.append(
                EventRecord(t, "agent.state", agent_id=f"a{a}", data={"from": state, "to": to})
            )
            state, t = to, t + rng.random() * 900
    return sorted(out, key=lambda e: e.at)  # fmt: skip


def _same(a: object, b: object) -> bool:
    for f in dataclasses.fields(a):  # type: ignore[arg-type]
        x, y = getattr(a, f.name), getattr(b, f.name)
        if isinstance(y, float) and x is not None:
            if not math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-6):
                print(f"  mismatch {f.name}: {x} != {y}", file=sys.stderr)
                return False
        elif x != y:
            print(f"  mismatch {f.name}: {x} != {y}", file=sys.stderr)
            return False
    return True


def _timed(fn):  # type: ignore[no-untyped-def]
    t = time.perf_counter()
    result = fn()
    return time.perf_counter() - t, result


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--contacts", type=int, default=None)
    ap.add_argument("--sample", type=int, default=None)
    ap.add_argument("--pg", default=PG)
    args = ap.parse_args()
    n = args.contacts or (200_000 if args.quick else 10_000_000)
    sample = args.sample or (2_000 if args.quick else 20_000)
    schema = f"bench_reports_{uuid.uuid4().hex[:8]}"
    admin = psycopg.connect(args.pg, autocommit=True)
    admin.execute(f'CREATE SCHEMA "{schema}"')
    url = f"postgresql+psycopg://{args.pg.split('://', 1)[1]}?options=-csearch_path%3D{schema}"
    try:
        run(url, args.pg, schema, n, sample)
    finally:
        admin.execute(f'DROP SCHEMA "{schema}" CASCADE')
        admin.close()


def run(url: str, pg: str, schema: str, n: int, sample: int) -> None:
    engine = make_engine(url)
    migrate(engine)
    with psycopg.connect(pg, options=f"-csearch_path={schema}") as conn:
        gen_s, _ = _timed(lambda: _bulk(conn, n))
    aggregates = Aggregates(engine, zone=TZ.key)
    cube_s, _ = _timed(aggregates.rebuild_cube)
    print(f"generated {n} contacts in {gen_s:.1f} s, cube built in {cube_s:.1f} s", file=sys.stderr)
    engine.dispose()

    month = (YEAR0, datetime(2025, 2, 1, tzinfo=TZ).timestamp())
    year = (YEAR0, datetime(2026, 1, 1, tzinfo=TZ).timestamp())
    facts_opts = Filters(options=KpiOptions(sl_threshold_s=19.5))  # no cube: facts path

    def report(span: tuple[float, float], grain: str, f: Filters = Filters()) -> tuple[float, list]:
        reader = ReportReader(make_engine(url), aggregates.profiles, TZ.key)
        return _timed(lambda: reader.series(*span, grain, f, TZ))

    month_cold, month_rows = report(month, "day")
    month_warm = min(report(month, "day")[0] for _ in range(3))
    year_cold, year_rows = report(year, "month")
    year_warm = min(report(year, "month")[0] for _ in range(2))
    facts_month, facts_rows = report(month, "day", facts_opts)
    facts_year, _ = report(year, "month", facts_opts)
    # a team (agents a0..a14) and a province (queues q0..q4), as `scope_filters` makes them
    team = Filters(agents=frozenset(f"a{i}" for i in range(15)))
    team_month, team_rows = report(month, "day", team)
    province = Filters(queues=frozenset(f"q{i}" for i in range(5)))
    province_month, province_rows = report(month, "day", province)
    total = sum(p.total.offered + p.total.short_abandoned for p in year_rows)
    print(
        f"month cold {month_cold:.3f} warm {month_warm:.3f} s; year cold {year_cold:.3f} "
        f"warm {year_warm:.3f} s; from facts: month {facts_month:.3f} year {facts_year:.3f} s; "
        f"year queued {total}; team month {team_month:.3f} s, province month "
        f"{province_month:.3f} s",
        file=sys.stderr,
    )
    # the province's month is its queues' rows of the whole month, summed
    same_filters = (
        all(
            a.total.offered == sum(k.offered for q, k in b.queues.items() if q in province.queues)
            for a, b in zip(province_rows, month_rows, strict=True)
        )
        and sum(p.total.handled for p in team_rows) > 0
    )
    # the cube and the facts agree (thresholds differ slightly: compare what they share)
    same_cube = all(
        a.total.offered == b.total.offered and a.total.handled == b.total.handled
        and math.isclose(a.total.aht_s or 0, b.total.aht_s or 0, rel_tol=1e-9)
        for a, b in zip(month_rows, facts_rows, strict=True)
    )  # fmt: skip

    day0 = datetime(2026, 1, 5, tzinfo=TZ).timestamp()
    events = _sample_events(sample, day0)
    store = Store(make_engine(url))
    for i in range(0, len(events), 2000):
        store.append(events[i : i + 2000])
    fold_s, _ = _timed(lambda: Aggregates(store.engine, zone=TZ.key).catch_up())
    t0, t1 = day0, day0 + 86400
    refold_s, (want, want_q) = _timed(
        lambda: (compute_kpis(events, t0, t1), kpis_by_queue(events, t0, t1))
    )
    got = ReportReader(store.engine, aggregates.profiles, TZ.key).kpis(t0, t1)
    same_sample = _same(got.total, want) and sorted(got.queues) == sorted(want_q)
    same_sample = same_sample and all(_same(got.queues[q], k) for q, k in want_q.items())
    store.close()
    print(
        f"sample {sample} contacts ({len(events)} events): catch-up {fold_s:.2f} s, "
        f"refold {refold_s:.2f} s, equal={same_sample}; cube==facts {same_cube}",
        file=sys.stderr,
    )
    est = refold_s * n / sample
    print(
        f"RESULT contacts={n} month_report_s={month_cold:.3f} month_warm_s={month_warm:.3f} "
        f"year_report_s={year_cold:.3f} year_warm_s={year_warm:.3f} "
        f"facts_month_s={facts_month:.3f} facts_year_s={facts_year:.3f} "
        f"team_month_s={team_month:.3f} province_month_s={province_month:.3f} "
        f"generate_s={gen_s:.0f} cube_build_s={cube_s:.1f} "
        f"refold_s={refold_s:.2f} refold_sample_contacts={sample} refold_full_est_s={est:.0f} "
        f"catch_up_sample_s={fold_s:.2f} matches={int(same_sample and same_cube and same_filters)}"
    )


if __name__ == "__main__":
    main()
