#!/usr/bin/env bash
# The whole story on a fresh machine: install what is missing, start local PostgreSQL and
# Kafka, build, generate a damaged event stream, emulate the live materializer, rebuild the
# tables correctly, and compare the two. Re-running it starts the demo over.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
events=${DEMO_EVENTS:-50000}

scripts/setup.sh
scripts/servers.sh start
# shellcheck disable=SC1091
source .local/env
echo "==> building backfill"
swift build --product backfill 2>&1 | tail -1
bin="$root/.build/debug/backfill"
topic=events.raw

echo "==> starting over: dropping the demo topic and schemas"
"$PG_BIN/psql" "$DATABASE_URL" -qAtX -c "set client_min_messages = warning; drop schema if exists lifestream cascade; drop schema if exists lifestream_shadow cascade; drop schema if exists lifestream_shadow_backfill cascade"
rm -rf snapshots/manifests

echo "==> generating $events events with realistic damage into $topic"
"$bin" generate --topic "$topic" --events "$events" --subjects $((events / 10)) --partitions 4 --seed 42 --recreate-topic

echo "==> emulating the live Flink job (arrival order, no event-time guard) into schema lifestream"
"$bin" replay --order arrival --from-beginning --topic "$topic" --target-schema lifestream --legacy-tables

echo "==> rebuilding in event order into schema lifestream_shadow"
"$bin" run --from-beginning --topic "$topic" --target-schema lifestream_shadow

echo
echo "Done. Look at:"
echo "  snapshots/manifests/latest.json   the run's checkpoint manifest"
echo "  psql \"\$DATABASE_URL\"              (source .local/env first) schemas lifestream (live) and lifestream_shadow (rebuilt)"
