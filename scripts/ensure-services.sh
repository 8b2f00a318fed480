#!/usr/bin/env bash
# Make sure the PostgreSQL server the tests use is up (idempotent; does nothing if it is).
set -euo pipefail
host=${PGHOST_FOR_TESTS:-127.0.0.1}
if pg_isready -q -h "$host" -p 5432 2>/dev/null; then
  exit 0
fi
if ! command -v pg_ctlcluster >/dev/null 2>&1; then
  echo "PostgreSQL is not installed; installing it (Debian packages)" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi
for version in $(ls /etc/postgresql); do
  pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
done
for _ in $(seq 1 30); do
  pg_isready -q -h "$host" -p 5432 && break
  sleep 1
done
pg_isready -h "$host" -p 5432
# The tests use database `test` with trust auth for user postgres.
if ! psql -h "$host" -U postgres -lqt | cut -d'|' -f1 | grep -qw test; then
  createdb -h "$host" -U postgres test
fi
