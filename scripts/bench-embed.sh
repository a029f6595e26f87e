#!/usr/bin/env bash
# Benchmark of the embedding backfill (issue 6), one run:
#   1. the reference service alone: N texts in batches of BATCH with CONCURRENCY requests in flight;
#   2. end to end: `backfill embed` of the same N messages from Kafka into an empty table, same
#      batch size and concurrency (goal: at least 90 % of 1.);
#   3. the database path alone: `backfill embed --synthetic-vectors` (deterministic vectors, no
#      service) of DB_MESSAGES messages into an empty table (goal: at least 20k vectors/s).
# Usage: scripts/bench-embed.sh [N] [BATCH] [CONCURRENCY] [DB_MESSAGES]   (defaults 10000 64 2 100000)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
n=${1:-10000}
batch=${2:-64}
concurrency=${3:-2}
db_messages=${4:-100000}
topic="bench-embed-${n}.text-messages"
db_topic="bench-embed-${db_messages}.text-messages"
scripts/setup.sh >/dev/null
scripts/servers.sh start 2>/dev/null
# shellcheck disable=SC1091
source .local/env
swift build -c release --product backfill >/dev/null
bin=.build/release/backfill
psql() { PGOPTIONS="-c client_min_messages=warning" "$PG_BIN/psql" "$DATABASE_URL" -qAtX "$@"; }
manifests=$(mktemp -d)
trap 'rm -rf "$manifests"' EXIT

echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)" >&2
$bin generate-texts --topic "$topic" --messages "$n" --partitions 4 --recreate-topic --quiet >/dev/null

# 1. The service alone, fed the very texts the topic holds.
$bin generate-texts --messages "$n" --stdout >"$manifests/texts.jsonl"
service=$("$root/.local/venv/bin/python" scripts/bench-embed-service.py "$EMBEDDING_SERVICE_URL" "$batch" "$concurrency" "$manifests/texts.jsonl")
read -r s_texts s_seconds s_rate <<<"$service"
echo "service alone:       $s_texts texts in $s_seconds s = $s_rate texts/s (batch $batch, concurrency $concurrency)"

# 2. End to end into an empty table.
psql -c "drop schema if exists bench_embed cascade" >/dev/null
e2e=$($bin embed --topic "$topic" --from-beginning --schema bench_embed --batch-size "$batch" --concurrency "$concurrency" \
    --manifest-dir "$manifests" --json --quiet)
read -r e_texts e_embed e_total <<<"$(python3 -c 'import json,sys; m=json.load(sys.stdin); print(m["counts"]["embedded"], round(m["durations"]["embed"],2), round(m["durations"]["total"],2))' <<<"$e2e")"
e_rate=$(python3 -c "print(f'{$e_texts / $e_total:.1f}')")
ratio=$(python3 -c "print(f'{100 * $e_texts / $e_total / $s_rate:.0f}')")
echo "end to end:          $e_texts texts in $e_total s (embedding phase $e_embed s) = $e_rate texts/s = $ratio % of the service alone"

# 3. The database path alone: Kafka → validation → compare → COPY + upsert, vectors precomputed.
if [ "$($bin plan --topic "$db_topic" --from-beginning --json 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["total_records"])' 2>/dev/null || echo 0)" != "$db_messages" ]; then
    $bin generate-texts --topic "$db_topic" --messages "$db_messages" --partitions 4 --recreate-topic --quiet >/dev/null
fi
psql -c "drop schema if exists bench_embed_db cascade" >/dev/null
db=$($bin embed --topic "$db_topic" --from-beginning --schema bench_embed_db --batch-size 1000 --concurrency 4 \
    --synthetic-vectors --manifest-dir "$manifests" --json --quiet)
python3 -c '
import json, sys
m = json.loads(sys.argv[1]); c = m["counts"]; d = m["durations"]; n = c["embedded"]
print("database path alone: %d vectors in %.2f s = %.0f vectors/s end to end (read %.2f s, compare %.2f s, load %.2f s = %.0f vectors/s)"
      % (n, d["total"], n / d["total"], d["read"], d["compare"], d["embed"], n / d["embed"]))
' "$db"
# A second run over the same range: everything is current, nothing is embedded.
again=$($bin embed --topic "$db_topic" --from-beginning --schema bench_embed_db --synthetic-vectors --manifest-dir "$manifests" --json --quiet)
python3 -c '
import json, sys
m = json.loads(sys.argv[1]); c = m["counts"]
print("second run:          %d current, %d embedded in %.2f s" % (c["skipped_current"], c["embedded"], m["durations"]["total"]))
' "$again"
psql -c "drop schema if exists bench_embed cascade; drop schema if exists bench_embed_db cascade" >/dev/null
