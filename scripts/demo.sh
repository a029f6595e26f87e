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
rm -rf snapshots/manifests snapshots/demo-shadow

echo "==> generating $events events with realistic damage into $topic"
"$bin" generate --topic "$topic" --events "$events" --subjects $((events / 10)) --partitions 4 --seed 42 --recreate-topic

echo "==> emulating the live Flink job (arrival order, no event-time guard) into schema lifestream"
"$bin" replay --order arrival --from-beginning --topic "$topic" --target-schema lifestream --legacy-tables

echo "==> rebuilding in event order into schema lifestream_shadow"
"$bin" run --from-beginning --topic "$topic" --target-schema lifestream_shadow

echo "==> comparing the live tables with the rebuilt ones (exit code 1 means they diverge, as expected here)"
"$bin" diff --left lifestream --right lifestream_shadow || true

echo "==> archiving the rebuilt tables as a zstd snapshot with a checkpoint manifest"
"$bin" snapshot export --schema lifestream_shadow --out snapshots/demo-shadow --checkpoint snapshots/manifests/latest.json
"$bin" snapshot list

echo "==> cutover report judged by the verdict rules of examples/rules.toml: lag, diff with causes raw and after the rules"
echo "    (each rule with the rows it accepted and its reason), legacy tables, verdict (still diverged here, as expected)"
"$bin" cutover-report --topic "$topic" --left lifestream --right lifestream_shadow --rules examples/rules.toml || [ $? -eq 1 ]  # 2 (error) stops the demo
echo "cutover report: $root/reports/cutover-latest.html"

echo "==> the nightly job as cron runs it: from the last manifest, diff, snapshot, retention, summary and metrics (exit 1: diverged, as expected)"
"$bin" nightly --topic "$topic" --snapshot --keep 7 || [ $? -eq 1 ]

echo "==> embeddings: 500 text messages embedded by the reference service into pgvector, then a nearest-neighbour query"
"$bin" generate-texts --topic demo.text-messages --messages 500 --recreate-topic --quiet
"$bin" embed --topic demo.text-messages --from-beginning --schema embeddings_demo --build-index
"$PG_BIN/psql" "$DATABASE_URL" -qX -c "select id, left(text, 70) as nearest_to_msg_0 from embeddings_demo.text_message_embeddings
    order by embedding <=> (select embedding from embeddings_demo.text_message_embeddings where id = 'msg-0') limit 3"

echo
echo "Done. Look at:"
echo "  reports/cutover-latest.html       the cutover report: verdict, lag, every difference per table and cause, raw and after rules"
echo "  examples/rules.toml               the verdict rules it was judged by (backfill rules suggest proposes a start)"
echo "  reports/latest.html               the diff alone"
echo "  reports/latest.md, latest.json    the same for a pull request or a machine"
echo "  reports/nightly-latest.json       the nightly summary (steps, durations, counts); reports/backfill.prom its metrics"
echo "  snapshots/manifests/latest.json   the run's checkpoint manifest"
echo "  snapshots/demo-shadow/            the snapshot (manifest.json, schema.sql, one .zst per table)"
echo "  psql \"\$DATABASE_URL\"              (source .local/env first) schemas lifestream (live) and lifestream_shadow (rebuilt)"
