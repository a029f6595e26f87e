#!/usr/bin/env bash
# Benchmark of `backfill embed --follow` (issue 22), one run, beside the reference service alone:
#   1. the service alone: N texts in batches of BATCH with CONCURRENCY requests in flight (its
#      throughput), and the latency of single requests of FRESH_BATCH texts (its batch latency);
#   2. backlog: the follower started on a topic holding N messages, from the beginning: time from
#      start until its checkpoint is at the end of every partition → texts/s (goal: ≥ 90 % of 1.);
#   3. freshness: the follower on an empty topic while a producer writes RATE messages/s for
#      SECONDS seconds: delay from each message's due time to its row being visible, seen by a psql
#      watcher polling every 50 ms (goal: p99 ≤ 2 s + the service's batch latency); the follower's
#      own histogram (record timestamp → commit) as a cross-check, and its CPU.
# Delays are measured from when a message was due, not when it was sent, and include the
# watcher's polling interval: both make them a little longer than they are, never shorter.
# Usage: scripts/bench-embed-follow.sh [N] [BATCH] [CONCURRENCY] [RATE] [SECONDS]   (defaults 10000 64 2 50 60)
#        ROUNDS=2 (backlog rounds, each beside a run of the service alone), FRESH_BATCH=8
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
n=${1:-10000}
batch=${2:-64}
concurrency=${3:-2}
rate=${4:-50}
seconds=${5:-60}
fresh_batch=${FRESH_BATCH:-8}
run=$(date +%s)
backlog_topic="bench-follow-backlog-${n}.text-messages"
fresh_topic="bench-follow-fresh-${run}.text-messages"
scripts/setup.sh >/dev/null
scripts/servers.sh start 2>/dev/null
# shellcheck disable=SC1091
source .local/env
swift build -c release --product backfill >/dev/null
bin=.build/release/backfill
py=.local/venv/bin/python
psql() { PGOPTIONS="-c client_min_messages=warning" "$PG_BIN/psql" "$DATABASE_URL" -qAtX "$@"; }
scratch=$(mktemp -d)
follower=""
watcher=""
cleanup() {
    [ -n "$follower" ] && kill -TERM "$follower" 2>/dev/null || true
    [ -n "$watcher" ] && kill "$watcher" 2>/dev/null || true
    wait 2>/dev/null || true
    rm -rf "$scratch"
}
trap cleanup EXIT
load() { cut -d' ' -f1-3 /proc/loadavg; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

echo "machine: $(nproc) cores, load average $(load); busiest processes now:" >&2
ps -eo pcpu,comm --sort=-pcpu | sed -n '2,6p' | sed 's/^/  /' >&2

# 1. The service alone: throughput (batch, concurrency) and one request's latency.
$bin generate-texts --topic "$backlog_topic" --messages "$n" --partitions 4 --recreate-topic --quiet >/dev/null
$bin generate-texts --messages "$n" --stdout >"$scratch/texts.jsonl"
service_alone() {  # prints: texts seconds texts/s p50 p99 (latency of one request of FRESH_BATCH texts)
    "$py" scripts/bench-embed-service.py "$EMBEDDING_SERVICE_URL" "$batch" "$concurrency" "$scratch/texts.jsonl" "$fresh_batch"
}

# A follower in the background; waits until its checkpoint holds `total` records of `topic`.
start_follower() {  # schema topic log
    psql -c "drop schema if exists $1 cascade" >/dev/null
    $bin embed --follow --from-beginning --topic "$2" --schema "$1" --batch-size "$batch" --concurrency "$concurrency" \
        --listen 127.0.0.1:0 --log-format json 2>"$3" &
    follower=$!
}
checkpoint_total() {  # schema topic
    psql -c "select coalesce(sum(next_offset), -1) from $1.text_message_embeddings_progress where topic = '$2'" 2>/dev/null || echo -1
}
wait_for_checkpoint() {  # schema topic total
    while [ "$(checkpoint_total "$1" "$2")" != "$3" ]; do
        kill -0 "$follower" 2>/dev/null || { echo "the follower exited early" >&2; exit 2; }
        sleep 0.1
    done
}
stop_follower() {
    kill -TERM "$follower"
    wait "$follower"
    follower=""
}
metrics_port() { grep -o 'status server listening on http:[\\/]*127.0.0.1:[0-9]*' "$1" | head -1 | grep -o '[0-9]*$'; }

# 2. The backlog, in rounds alternating with the service alone, so both see the same load.
rounds=${ROUNDS:-2}
s_rates=()
f_rates=()
for round in $(seq 1 "$rounds"); do
    read -r s_texts s_seconds s_rate s_p50 s_p99 <<<"$(service_alone)"
    s_rates+=("$s_rate")
    echo "round $round, service alone:  $s_texts texts in $s_seconds s = $s_rate texts/s (batch $batch, concurrency $concurrency); one request of $fresh_batch texts: p50 ${s_p50} s, p99 ${s_p99} s   [load $(load)]"
    t0=$(date +%s.%N)
    start_follower bench_follow_backlog "$backlog_topic" "$scratch/backlog.log"
    ticks0=$(cpu_ticks "$follower")
    wait_for_checkpoint bench_follow_backlog "$backlog_topic" "$n"
    t1=$(date +%s.%N)
    ticks1=$(cpu_ticks "$follower")
    stop_follower
    rows=$(psql -c "select count(*) from bench_follow_backlog.text_message_embeddings")
    f_rate=$(python3 -c "print(f'{$rows / ($t1 - $t0):.1f}')")
    f_rates+=("$f_rate")
    python3 -c "
n, t, cpu = $rows, $t1 - $t0, ($ticks1 - $ticks0) / $(getconf CLK_TCK)
print(f'round $round, follower backlog: {n} texts in {t:.2f} s (start to checkpoint at the end) = {n / t:.1f} texts/s = {100 * n / t / $s_rate:.0f} % of the service alone just before; follower CPU {cpu:.1f} s ({100 * cpu / t:.0f} % of one core)   [load $(load)]')"
done
python3 -c "
s, f = [$(IFS=,; echo "${s_rates[*]}")], [$(IFS=,; echo "${f_rates[*]}")]
print(f'backlog over {len(s)} rounds: service alone {sum(s) / len(s):.1f} texts/s, follower {sum(f) / len(f):.1f} texts/s = {100 * sum(f) / sum(s):.0f} % (goal >= 90 %)')"

# 3. Freshness at a steady rate.
messages=$(python3 -c "print(int($rate * $seconds))")
$bin generate-texts --topic "$fresh_topic" --messages 0 --partitions 4 --recreate-topic --quiet >/dev/null
start_follower bench_follow_fresh "$fresh_topic" "$scratch/fresh.log"
until [ "$(checkpoint_total bench_follow_fresh "$fresh_topic")" = "0" ]; do sleep 0.1; done
port=$(metrics_port "$scratch/fresh.log")
printf '%s\n' "select (extract(epoch from clock_timestamp()) * 1000)::bigint, id from bench_follow_fresh.text_message_embeddings where embedded_at > now() - interval '5 seconds' \\watch interval=0.05" \
    | psql >"$scratch/seen.txt" 2>/dev/null &
watcher=$!
ticks0=$(cpu_ticks "$follower"); w0=$(date +%s.%N)
produced=$($bin generate-texts --topic "$fresh_topic" --messages "$messages" --rate "$rate" --json --quiet)
wait_for_checkpoint bench_follow_fresh "$fresh_topic" "$messages"
ticks1=$(cpu_ticks "$follower"); w1=$(date +%s.%N)
sleep 0.3
kill "$watcher"; wait "$watcher" 2>/dev/null || true; watcher=""
curl -fsS "http://127.0.0.1:$port/metrics" >"$scratch/metrics.txt"
stop_follower
started_ms=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["started_at_ms"])' <<<"$produced")
python3 - "$scratch/seen.txt" "$scratch/metrics.txt" "$started_ms" "$rate" "$messages" "$s_p99" "$ticks0" "$ticks1" "$w0" "$w1" "$(getconf CLK_TCK)" <<'PY'
import re, sys
seen_path, metrics_path, started, rate, messages, service_p99 = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5]), float(sys.argv[6])
ticks0, ticks1, w0, w1, hz = int(sys.argv[7]), int(sys.argv[8]), float(sys.argv[9]), float(sys.argv[10]), int(sys.argv[11])
first = {}
for line in open(seen_path):
    parts = line.strip().split("|")
    if len(parts) != 2 or not parts[1].startswith("msg-"):
        continue
    ms, ident = int(parts[0]), parts[1]
    if ident not in first or ms < first[ident]:
        first[ident] = ms
delays = sorted((ms - (started + int(ident[4:]) * 1000 / rate)) / 1000 for ident, ms in first.items())
def pct(p): return delays[min(len(delays) - 1, int(p / 100 * len(delays)))]
print(f"follower, {rate:g}/s for {messages / rate:.0f} s: {len(first)}/{messages} seen; produce → queryable p50 {pct(50):.2f} s, p95 {pct(95):.2f} s, p99 {pct(99):.2f} s, max {delays[-1]:.2f} s "
      f"(goal p99 <= 2 s + the service's p99 batch latency {service_p99:.2f} s = {2 + service_p99:.2f} s)")
# The follower's own view: its freshness histogram (record timestamp → commit), by bucket.
buckets, count, texts_sum, texts_count = [], 0, 0.0, 0
for line in open(metrics_path):
    m = re.match(r'backfill_embed_follow_freshness_seconds_bucket\{le="([^"]+)"\} (\S+)', line)
    if m: buckets.append((float("inf") if m.group(1) == "+Inf" else float(m.group(1)), float(m.group(2))))
    m = re.match(r'backfill_embed_follow_batch_texts_(sum|count) (\S+)', line)
    if m and m.group(1) == "sum": texts_sum = float(m.group(2))
    if m and m.group(1) == "count": texts_count = float(m.group(2))
total = buckets[-1][1] if buckets else 0
def bound(p): return next((le for le, c in buckets if c >= p / 100 * total), float("nan"))
cpu = (ticks1 - ticks0) / hz / (w1 - w0) * 100
print(f"  the follower's own histogram (record timestamp → commit): p50 <= {bound(50):g} s, p99 <= {bound(99):g} s; "
      f"{texts_sum / max(texts_count, 1):.1f} texts per request on average; follower CPU {cpu:.0f} % of one core")
PY
echo "load average at the end: $(load)"
psql -c "drop schema if exists bench_follow_backlog cascade; drop schema if exists bench_follow_fresh cascade" >/dev/null
