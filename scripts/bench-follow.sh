#!/usr/bin/env bash
# Benchmark of `backfill follow` (issue: micro-batches whose cost follows the batch, not the history):
#   1. history independence: over a history of H1 and of H4 events (default 1M and 4M), the time of
#      a 100,000-event incremental `run` and the cost of a 1,000-event batch inside a running
#      follower (plan + ingest + materialize + checkpoint, from its batch-duration histogram), beside
#      the same 1,000 events as a one-shot `run` process (the peer), and the H4/H1 ratios;
#   2. freshness: a producer writes 2,000 records/s for 60 s (stamped as sent) while a follower
#      follows; per record, produce → commit (the follower's histogram): p50, p99; the follower's
#      CPU over the minute.
# Usage: scripts/bench-follow.sh [H1] [H4] [RATE] [SECONDS]   (defaults 1000000 4000000 2000 60)
#        BATCHES=N: how many 1,000-event batches are timed per history (default 20; single batches
#        vary by ±15 %, so a handful leaves the ratio to chance).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
h1=${1:-1000000}
h4=${2:-4000000}
rate=${3:-2000}
duration=${4:-60}
port=${BENCH_FOLLOW_PORT:-59464}
batches=${BATCHES:-20}
scripts/setup.sh >/dev/null
scripts/servers.sh start 2>/dev/null
# shellcheck disable=SC1091
source .local/env
swift build -c release --product backfill >/dev/null
swift build -c release --product TopicTrim >/dev/null
bin=.build/release/backfill
psql() { PGOPTIONS='-c client_min_messages=warning' "$PG_BIN/psql" "$DATABASE_URL" -qAtX "$@"; }  # no cascade notices
# The broker's background save and autovacuum are waited for, not measured (bench-lib.sh), and
# a checkpoint taken first, so its writes do not land in a step either.
# shellcheck source=scripts/bench-lib.sh
source "$root/scripts/bench-lib.sh"
settle() { psql -c checkpoint; settle_servers; }
seconds() { python3 -c 'import time; print(time.monotonic())'; }
metric() {  # metric NAME [LABELS]: the sample's value from the follower's /metrics (0 when absent)
    curl -s "127.0.0.1:$port/metrics" | python3 -c '
import sys
name, labels = sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else ""
for line in sys.stdin:
    if line.startswith(name + labels + " ") or (not labels and line.startswith(name + " ")):
        print(line.split()[-1]); break
else:
    print(0)' "$@"
}
records_read() { metric backfill_follow_records_total '{outcome="read"}'; }
wait_for() {  # wait_for SECONDS COMMAND…: until the command succeeds
    local limit=$1; shift
    for _ in $(seq 1 $((limit * 10))); do "$@" && return 0; sleep 0.1; done
    return 1
}
caught_up() { [ "$(curl -s "127.0.0.1:$port/metrics" | awk '/^backfill_follow_lag_records/ {s += $2} END {print s + 0}')" = 0 ]; }
at_least() { python3 -c "import sys; sys.exit(0 if float('$(records_read)') >= float('$1') else 1)"; }
follower_cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; }  # clock ticks
start_follower() {  # start_follower TOPIC TARGET [START FLAGS…]
    local topic=$1 target=$2; shift 2
    $bin follow --topic "$topic" --target-schema "$target" --manifest-dir "$manifests" --listen "127.0.0.1:$port" --quiet "$@" &
    follower=$!
    wait_for 60 curl -sf "127.0.0.1:$port/healthz" >/dev/null
}
stop_follower() { kill -TERM "$follower"; wait "$follower" || true; }

manifests=$(mktemp -d)
declare -A incremental batch
for history in "$h1" "$h4"; do
    topic="bench-follow-${history}.raw"
    target="bench_follow_${history}"
    echo "== history of $history events ($topic)" >&2
    $bin generate --topic "$topic" --events "$history" --subjects $((history / 10)) --partitions 16 --seed 7 --recreate-topic --quiet >/dev/null
    psql -c "drop schema if exists $target cascade; drop schema if exists ${target}_backfill cascade"
    settle
    t0=$(seconds)
    $bin run --from-beginning --topic "$topic" --target-schema "$target" --manifest-dir "$manifests/$history" --quiet >/dev/null
    echo "   history rebuilt in $(python3 -c "print(f'{$(seconds) - $t0:.2f}')") s" >&2
    # 100,000 new events over the history: their subjects are the history's.
    $bin generate --topic "$topic" --events 100000 --subjects $((history / 10)) --seed 8 --start 2026-03-01T00:00:00Z --quiet >/dev/null
    settle
    t0=$(seconds)
    $bin run --after "$manifests/$history/latest.json" --topic "$topic" --target-schema "$target" --manifest-dir "$manifests/$history" --quiet >/dev/null
    incremental[$history]=$(python3 -c "print(f'{$(seconds) - $t0:.3f}')")
    echo "   100,000-event incremental run: ${incremental[$history]} s ($(python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))["durations"]; print(", ".join(f"{k} {d[k]:.2f} s" for k in ("ingest", "materialize") if k in d))' "$manifests/$history/latest.json"))" >&2
    # The history now lives in PostgreSQL; its records leave the broker, which would otherwise
    # rewrite them after each 1,000 produced below (a real broker appends instead).
    .build/release/TopicTrim "$KAFKA_BROKERS" "$topic" >&2
    # Steady state: what autovacuum would do after the incremental run is done now, not in the
    # middle of the batches measured below (it starts up to a minute later, on its own clock).
    for schema in "$target" "${target}_backfill"; do
        for table in $(psql -c "select quote_ident(tablename) from pg_tables where schemaname = '$schema'"); do psql -c "vacuum (analyze) $schema.$table"; done
    done
    settle
    # 1,000-event batches inside a running follower (connections kept, no process start).
    start_follower "$topic" "$target"
    # One batch to warm the follower's connections and caches, not counted.
    before=$(records_read)
    $bin generate --topic "$topic" --events 1000 --subjects $((history / 10)) --seed 99 --start 2026-03-31T00:00:00Z --quiet >/dev/null
    wait_for 60 at_least $((${before%.*} + 1000))
    sleep 0.5
    sum0=$(metric backfill_follow_batch_duration_seconds_sum); count0=$(metric backfill_follow_batch_duration_seconds_count)
    for i in $(seq 1 "$batches"); do
        before=$(records_read)
        $bin generate --topic "$topic" --events 1000 --subjects $((history / 10)) --seed $((100 + i)) --start 2026-04-01T00:00:00Z --quiet >/dev/null
        wait_for 60 at_least $((${before%.*} + 1000))
        sleep 0.5
    done
    sum1=$(metric backfill_follow_batch_duration_seconds_sum); count1=$(metric backfill_follow_batch_duration_seconds_count)
    stop_follower
    # Per 1,000 events produced, not per batch: a producer's 1,000 records now and then arrive
    # as two batches, and the second batch's fixed cost belongs to the 1,000 events too.
    batch[$history]=$(python3 -c "print(f'{($sum1 - $sum0) / $batches * 1000:.1f}')")
    echo "   1,000-event batches: ${batch[$history]} ms per 1,000 events on average ($(python3 -c "print(int($count1 - $count0))") batches for $batches,000 events)" >&2
    # The peer: the same 1,000 events as a one-shot `run` process after the follower's last batch.
    $bin generate --topic "$topic" --events 1000 --subjects $((history / 10)) --seed 200 --start 2026-04-02T00:00:00Z --quiet >/dev/null
    settle
    t0=$(seconds)
    $bin run --after "$manifests/latest.json" --topic "$topic" --target-schema "$target" --manifest-dir "$manifests" --quiet >/dev/null
    echo "   peer: the same 1,000 events as a one-shot run process: $(python3 -c "print(f'{($(seconds) - $t0) * 1000:.0f}')") ms" >&2
    $bin generate --topic "$topic" --events 0 --recreate-topic --quiet >/dev/null  # the broker forgets it
done
echo "ratios (history of $h4 against $h1): incremental $(python3 -c "print(f'{${incremental[$h4]} / ${incremental[$h1]}:.2f}')")×, 1k batch $(python3 -c "print(f'{${batch[$h4]} / ${batch[$h1]}:.2f}')")×"

# Freshness: a live stream into a fresh target.
topic=bench-follow-live.raw
target=bench_follow_live
psql -c "drop schema if exists $target cascade; drop schema if exists ${target}_backfill cascade"
$bin generate --topic "$topic" --events 0 --partitions 16 --recreate-topic --quiet >/dev/null
settle
start_follower "$topic" "$target" --from-beginning
cpu0=$(follower_cpu "$follower"); t0=$(seconds)
$bin generate --topic "$topic" --events $((rate * duration)) --subjects 20000 --seed 9 --rate "$rate" --quiet >/dev/null
wait_for 120 at_least $((rate * duration))
cpu1=$(follower_cpu "$follower"); t1=$(seconds)
curl -s "127.0.0.1:$port/metrics" | python3 -c '
import sys
buckets = []
for line in sys.stdin:
    if line.startswith("backfill_follow_freshness_seconds_bucket"):
        le = line.split("le=\"")[1].split("\"")[0]
        buckets.append((float("inf") if le == "+Inf" else float(le), float(line.split()[-1])))
total = buckets[-1][1]
def quantile(q):
    return next(le for le, count in buckets if count >= q * total)
print(f"freshness over {int(total)} records: p50 <= {quantile(0.5)} s, p99 <= {quantile(0.99)} s (bucket bounds)")'
echo "follower CPU while following $rate records/s: $(python3 -c "print(f'{($cpu1 - $cpu0) / $(getconf CLK_TCK) / ($t1 - $t0) * 100:.1f}')") % of one core"
stop_follower
