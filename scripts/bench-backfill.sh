#!/usr/bin/env bash
# Benchmark of the backfill pipeline (issue: 1M events, 16 partitions, ~300 bytes each):
#   1. full rebuild into an empty schema, end to end, with peak RSS;
#   2. a raw COPY of the same output rows (the write limit) and the ratio;
#   3. an incremental run of 100k new events over that history.
# Usage: scripts/bench-backfill.sh [EVENTS] [NEW_EVENTS]   (defaults 1000000 100000)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
events=${1:-1000000}
new_events=${2:-100000}
topic="bench-${events}.raw"
target=bench_shadow
scripts/setup.sh >/dev/null
scripts/servers.sh start 2>/dev/null
# shellcheck disable=SC1091
source .local/env
swift build -c release --product backfill >/dev/null
bin=.build/release/backfill
psql() { "$PG_BIN/psql" "$DATABASE_URL" -qAtX "$@"; }
# shellcheck source=scripts/bench-lib.sh
source "$root/scripts/bench-lib.sh"
seconds() { python3 -c 'import time; print(time.monotonic())'; }
# The phases a run's manifest timed: "ingest 4.1 s, materialize 5.2 s".
phases() {
    python3 -c 'import json, sys; d = json.load(open(sys.argv[1]))["durations"]; print(", ".join(f"{k} {d[k]:.2f} s" for k in ("ingest", "materialize") if k in d))' "$1"
}
# Runs a command and prints "<seconds> <peak RSS MiB>" of it (children included).
measure() {
    python3 - "$@" <<'PY'
import resource, subprocess, sys, time
t = time.monotonic()
subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL)
elapsed = time.monotonic() - t
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(f"{elapsed:.2f} {rss:.0f}")
PY
}

# The incremental step appends to the topic; a later run starts over from the 1M events.
existing=$($bin plan --topic "$topic" --from-beginning --json 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["total_records"])' 2>/dev/null || echo 0)
if [ "$existing" != "$events" ]; then
    echo "generating $events events into $topic …" >&2
    $bin generate --topic "$topic" --events "$events" --subjects $((events / 10)) --partitions 16 --seed 7 --recreate-topic --quiet >/dev/null
fi

psql -c "drop schema if exists $target cascade; drop schema if exists ${target}_backfill cascade; drop schema if exists bench_copy cascade"
manifests=$(mktemp -d)
psql -c checkpoint
settle
read -r full_s full_rss < <(measure $bin run --from-beginning --topic "$topic" --target-schema "$target" --manifest-dir "$manifests" --quiet)
full_phases=$(phases "$manifests/latest.json")
rows=$(psql -c "select (select count(*) from $target.subjects)+(select count(*) from $target.links)+(select count(*) from $target.link_content)+(select count(*) from $target.link_metadata)+(select count(*) from $target.publish_state)+(select count(*) from $target.temperature_readings)+(select count(*) from $target.temperature_latest)+(select count(*) from $target.todos)+(select count(*) from $target.annotations)")

# The write limit: COPY the very rows the run produced into empty tables of the same shape.
dump=$(mktemp -d)
chmod 755 "$dump"
tables="subjects links link_content link_metadata publish_state temperature_readings temperature_latest todos annotations"
psql -c "create schema bench_copy"
for t in $tables; do
    psql -c "\\copy $target.$t to '$dump/$t.copy'"
    psql -c "create table bench_copy.$t (like $target.$t including all)"
done
settle
t0=$(seconds)
for t in $tables; do psql -c "\\copy bench_copy.$t from '$dump/$t.copy'"; done
t1=$(seconds)
copy_s=$(python3 -c "print(f'{$t1 - $t0:.2f}')")
rm -rf "$dump"

# Incremental: new events appended to the same topic, then a run from the last manifest.
$bin generate --topic "$topic" --events "$new_events" --subjects $((new_events / 10)) --partitions 16 --seed 8 \
    --start 2026-03-01T00:00:00Z --quiet >/dev/null
psql -c checkpoint
settle
read -r inc_s inc_rss < <(measure $bin run --after "$manifests/latest.json" --topic "$topic" --target-schema "$target" --manifest-dir "$manifests" --quiet)
inc_phases=$(phases "$manifests/latest.json")
"$PG_BIN/psql" "$DATABASE_URL" -qAtX -c "drop schema bench_copy cascade"

python3 - "$events" "$full_s" "$full_rss" "$rows" "$copy_s" "$new_events" "$inc_s" "$inc_rss" "$full_phases" "$inc_phases" <<'PY'
import sys
events, full_s, rss, rows, copy_s, new, inc_s, inc_rss, full_phases, inc_phases = sys.argv[1:]
events, full_s, rows, copy_s, new, inc_s = int(events), float(full_s), int(rows), float(copy_s), int(new), float(inc_s)
print(f"| full rebuild, {events:,} events | {full_s:.2f} s | {events / full_s:,.0f} events/s | peak RSS {rss} MiB; {full_phases} |")
print(f"| raw COPY of the {rows:,} output rows | {copy_s:.2f} s | {events / copy_s:,.0f} events/s equivalent | rebuild/COPY = {full_s / copy_s:.1f}x |")
print(f"| incremental, {new:,} new events over the history | {inc_s:.2f} s | {new / inc_s:,.0f} events/s | peak RSS {inc_rss} MiB; {inc_phases} |")
PY
