#!/usr/bin/env bash
# Benchmark of the incremental diff (issue 19), side by side with the full diff in the same run:
# over a history of H generated events (1M and 4M) followed by N new events (100,000), the
# incremental diff (`diff --touched-since <the manifest before the new events>`) against the full
# diff of the same tables — one database, causes on, exit 1 expected (the live copy has planted
# differences). Shows how each grows from a 1M to a 4M history, and how the incremental one grows
# with the touched subjects (after N/2 and after N new events).
#
#   scripts/bench-incremental-diff.sh [--histories "1000000 4000000"] [--new 100000] [--runs 3] [--rebuild]
#
# Building a history is slow — generating and producing millions of records, the broker's
# background save (noida-db rewrites its whole data file after writes), the rebuild — so each
# history is built once into schemas bench_incr_<H>_shadow (by the tool, in three runs: the
# history, then N/2 and N/2 new events) and bench_incr_<H>_live (a copy of the shadow with 0.1 %
# of subjects changed), its manifests in .local/bench-incremental/<H>/, and reused by later runs
# of this script (--rebuild starts over). Only the diffs are timed, each the best of --runs, on
# quiet servers (the script waits for autovacuum and the broker's save before each).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
histories="1000000 4000000"
new=100000
runs=3
rebuild=false
while [ $# -gt 0 ]; do
    case "$1" in
        --histories) histories=$2; shift 2 ;;
        --new) new=$2; shift 2 ;;
        --runs) runs=$2; shift 2 ;;
        --rebuild) rebuild=true; shift ;;
        *) echo "usage: $0 [--histories \"1000000 4000000\"] [--new 100000] [--runs 3] [--rebuild]" >&2; exit 2 ;;
    esac
done
scripts/setup.sh >/dev/null
scripts/servers.sh start 2>/dev/null
# shellcheck disable=SC1091
source .local/env
swift build -c release --product backfill >/dev/null
swift build -c release --product TopicTrim >/dev/null
bin=$root/.build/release/backfill
psql() { PGOPTIONS='-c client_min_messages=warning' "$PG_BIN/psql" "$DATABASE_URL" -qAtX -v ON_ERROR_STOP=1 "$@"; }
state_dir=$root/.local/bench-incremental

# shellcheck source=scripts/bench-lib.sh
source "$root/scripts/bench-lib.sh"
now() { python3 -c 'import time; print(time.monotonic())'; }

# One history: H events in 16 partitions (H/10 subjects), run into the shadow; then N/2 new events
# on N/20 new subjects, twice, each run after the last manifest (cut0: before the new events,
# cut1: halfway). The live side is the shadow copied, with 0.1 % of its subjects changed.
build() {
    local events=$1 dir=$state_dir/$1 topic=bench-incr-$1.raw shadow=bench_incr_$1_shadow live=bench_incr_$1_live half=$((new / 2))
    echo "building the $events-event history (once; --rebuild to start over) …" >&2
    rm -rf "$dir"; mkdir -p "$dir/manifests"
    psql -c "drop schema if exists $shadow cascade; drop schema if exists ${shadow}_backfill cascade; drop schema if exists $live cascade"
    "$bin" generate --topic "$topic" --events "$events" --subjects $((events / 10)) --partitions 16 --seed 7 --recreate-topic --quiet >/dev/null
    settle
    "$bin" run --from-beginning --topic "$topic" --target-schema "$shadow" --manifest-dir "$dir/manifests" --quiet >/dev/null
    cp "$dir/manifests/latest.json" "$dir/cut0.json"
    local step=1
    for start in 2026-03-01T00:00:00Z 2026-03-02T00:00:00Z; do
        "$bin" generate --topic "$topic" --events "$half" --subjects $((half / 10)) --partitions 16 --seed $((7 + step)) --start "$start" --quiet >/dev/null
        settle
        "$bin" run --after "$dir/manifests/latest.json" --topic "$topic" --target-schema "$shadow" --manifest-dir "$dir/manifests" --quiet >/dev/null
        cp "$dir/manifests/latest.json" "$dir/cut$step.json"
        step=$((step + 1))
    done
    psql -c "create schema $live"
    for table in subjects links link_content link_metadata publish_state temperature_readings temperature_latest todos annotations; do
        psql -c "create table $live.$table (like $shadow.$table including all); insert into $live.$table select * from $shadow.$table"
    done
    # Differences in 0.1 % of the subjects, spread over the whole key range and the tables.
    psql -c "update $live.subjects set visibility = 'planted' where abs(hashtext(subject_id)) % 1000 = 0;
             update $live.links set title = coalesce(title, '') || ' (edited)' where abs(hashtext(subject_id)) % 1000 = 1;
             delete from $live.temperature_latest where abs(hashtext(subject_id)) % 1000 = 2"
    psql -c "vacuum analyze"
    # The diffs read PostgreSQL only. The history's records leave the test broker, which would
    # otherwise rewrite them (~2 GB for both histories) after every later write by any benchmark.
    .build/release/TopicTrim "$KAFKA_BROKERS" "$topic" >&2
    echo "$events" > "$dir/ready"
}

# Best wall time of --runs runs of a diff (exit 1, diverged, is expected); its JSON in $2.
best_diff() {
    local json=$1 best="" start end took
    shift
    for _ in $(seq 1 "$runs"); do
        start=$(now)
        "$bin" diff "$@" --json > "$json" || [ $? -eq 1 ]
        end=$(now)
        took=$(python3 -c "print(f'{$end - $start:.3f}')")
        if [ -z "$best" ] || python3 -c "import sys; sys.exit(0 if $took < $best else 1)"; then best=$took; fi
    done
    echo "$best"
}

results=$(mktemp)
reports=$(mktemp -d)
for events in $histories; do
    dir=$state_dir/$events
    if [ "$rebuild" = true ] || [ ! -f "$dir/ready" ] || [ "$(psql -c "select to_regnamespace('bench_incr_${events}_live') is not null")" != t ]; then
        build "$events"
    fi
    shadow=bench_incr_${events}_shadow live=bench_incr_${events}_live
    rows=$(psql -c "select sum(n_live_tup) from pg_stat_user_tables where schemaname = '$shadow'")
    psql -c checkpoint
    settle
    sides=(--left "$live" --right "$shadow" --reports-dir "$reports")
    full=$(best_diff "$reports/full.json" "${sides[@]}")
    incremental=$(best_diff "$reports/incremental.json" "${sides[@]}" --touched-since "$dir/cut0.json")
    half=$(best_diff "$reports/half.json" "${sides[@]}" --touched-since "$dir/cut1.json")
    python3 - "$events" "$rows" "$full" "$incremental" "$half" "$reports" >> "$results" <<'PY'
import json, sys
events, rows, full, incremental, half, reports = sys.argv[1:]
def load(name): return json.load(open(f"{reports}/{name}.json"))
f, i, h = load("full"), load("incremental"), load("half")
print(json.dumps({"events": int(events), "rows": int(rows), "full": float(full), "incremental": float(incremental), "half": float(half),
                  "full_differences": f["totals"]["differences"], "incremental_differences": i["totals"]["differences"],
                  "subjects": i["scope"]["subjects"], "records": i["scope"]["records"],
                  "half_subjects": h["scope"]["subjects"], "half_records": h["scope"]["records"]}))
PY
done
rm -rf "$reports"

echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) cores; best of $runs runs each"
python3 - "$results" "$new" <<'PY'
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
new = int(sys.argv[2])
print("| history | rows (shadow) | full diff | incremental diff, last %s events | incremental / full | incremental diff, last %s events |" % (f"{new:,}", f"{new // 2:,}"))
print("|---|--:|--:|--:|--:|--:|")
for r in rows:
    print(f"| {r['events']:,} events + {new:,} | {r['rows']:,} | {r['full']:.2f} s ({r['full_differences']:,} differing rows) "
          f"| {r['incremental']:.2f} s ({r['subjects']:,} subjects, {r['records']:,} records, {r['incremental_differences']:,} differing rows) "
          f"| {100 * r['incremental'] / r['full']:.1f} % | {r['half']:.2f} s ({r['half_subjects']:,} subjects) |")
if len(rows) >= 2:
    a, b = rows[0], rows[-1]
    print(f"\nfrom {a['events']:,} to {b['events']:,} events of history: full diff {b['full'] / a['full']:.2f}x, "
          f"incremental diff {b['incremental'] / a['incremental']:.2f}x")
PY
rm -f "$results"
