#!/usr/bin/env bash
# Snapshot export/import against the obvious alternatives, on one temperature_readings-shaped
# table (1M rows by default, ~75 MB of COPY text):
#   ours:       backfill snapshot export / import (release build)
#   psql|zstd:  psql \copy (… ORDER BY pk) TO STDOUT | zstd -3   and   zstd -dc | psql \copy FROM STDIN
#   pg_dump:    pg_dump -Fc (its default gzip, and zstd:3)         and   pg_restore
# Prints seconds (the median of REPEAT runs, 3 by default), file size and ratio (COPY text
# bytes / file bytes) per method.
#
# Needs DATABASE_URL and PG_BIN (the directory with psql, pg_dump, pg_restore), and zstd.
# ROWS=… changes the table size. Everything it creates is dropped at the end.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
: "${DATABASE_URL:?set DATABASE_URL (source .local/env)}"
: "${PG_BIN:?set PG_BIN to the directory holding psql, pg_dump and pg_restore}"
rows=${ROWS:-1000000}
schema=bench_snapshot_$$
table=temperature_readings
work=$(mktemp -d)
psql=("$PG_BIN/psql" "$DATABASE_URL" -X -q -v ON_ERROR_STOP=1)
export PGOPTIONS="-c client_min_messages=warning"

cleanup() {
    "${psql[@]}" -c "DROP SCHEMA IF EXISTS ${schema} CASCADE; DROP SCHEMA IF EXISTS ${schema}_src CASCADE;
                     DROP SCHEMA IF EXISTS ${schema}_ours CASCADE; DROP SCHEMA IF EXISTS ${schema}_psql CASCADE" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT

echo "building (release)…" >&2
swift build -c release --product backfill >/dev/null
backfill="$(swift build -c release --show-bin-path)/backfill"

ddl() {
    echo "CREATE TABLE $1.${table} (subject_id text NOT NULL, occurred_at timestamptz NOT NULL,
          celsius double precision NOT NULL, humidity double precision, event_id text NOT NULL,
          PRIMARY KEY (subject_id, occurred_at))"
}

echo "creating ${schema}.${table} with ${rows} rows…" >&2
"${psql[@]}" <<SQL
CREATE SCHEMA ${schema};
$(ddl "$schema");
INSERT INTO ${schema}.${table}
SELECT 'sensor-' || lpad((g % 2000)::text, 5, '0'),
       timestamptz '2024-01-01 00:00:00+00' + (g / 2000) * interval '1 minute' + (g % 997) * interval '1 microsecond',
       round((random() * 45 - 10)::numeric, 2)::float8,
       CASE WHEN g % 10 = 0 THEN NULL ELSE round((random() * 100)::numeric, 1)::float8 END,
       'evt-' || substr(md5(g::text), 1, 24)
FROM generate_series(1, ${rows}) g;  -- arrival (time) order, as readings come in: not key order
VACUUM ANALYZE ${schema}.${table};
SQL

# Seconds taken by a command (its output is discarded); fails when the command fails.
seconds() {
    local start end
    start=$(date +%s.%N)
    "$@" >/dev/null || return 1
    end=$(date +%s.%N)
    awk -v s="$start" -v e="$end" 'BEGIN { printf "%.2f", e - s }'
}
# The median of $repeat runs of `prepare` (a function, untimed) then the command. The last
# run's files stay for the size column.
repeat=${REPEAT:-3}
best() {
    local prepare=$1 times=() t i
    shift
    for ((i = 0; i < repeat; i++)); do
        "$prepare"
        t=$(seconds "$@") || return 1
        times+=("$t")
    done
    printf '%s\n' "${times[@]}" | sort -n | awk '{ t[NR] = $1 } END { print t[int((NR + 1) / 2)] }'
}
size() { stat -c %s "$1"; }

# Plain primary-key order, as the issue's pipe: in a database whose collation is C it is the
# bytewise order snapshots use, and the primary-key index delivers it without a sort.
order="ORDER BY subject_id, occurred_at"
copy_bytes=$("${psql[@]}" -c "\\copy (SELECT * FROM ${schema}.${table} ${order}) TO STDOUT" | wc -c)
results=()
add() { results+=("$(printf '%-40s %8s s %12s %8s' "$1" "$2" "${3:--}" "${4:--}")"); }
ratio() { awk -v a="$copy_bytes" -v b="$1" 'BEGIN { printf "%.2f", a / b }'; }

nothing() { :; }
clear_ours() { rm -rf "$work/ours"; }
clear_ours0() { rm -rf "$work/ours0"; }
clear_ours1() { rm -rf "$work/ours1"; }
fresh_ours() { "${psql[@]}" -c "DROP SCHEMA IF EXISTS ${schema}_ours CASCADE" >/dev/null; }
fresh_psql() { "${psql[@]}" -c "DROP SCHEMA IF EXISTS ${schema}_psql CASCADE; CREATE SCHEMA ${schema}_psql; $(ddl "${schema}_psql")" >/dev/null; }
fresh_restore() { "${psql[@]}" -c "DROP SCHEMA IF EXISTS ${schema} CASCADE; CREATE SCHEMA ${schema}" >/dev/null; }
fresh_restore_data() { "${psql[@]}" -c "DROP SCHEMA IF EXISTS ${schema} CASCADE; CREATE SCHEMA ${schema}; $(ddl "${schema}")" >/dev/null; }

echo "exporting…" >&2
t=$(best clear_ours "$backfill" snapshot export --json --schema "$schema" --tables "$table" --out "$work/ours")
f="$work/ours/${table}.copy.zst"; add "ours export (default: --parallel $(nproc | awk '{ p = int($1 / 2); print (p < 1 ? 1 : p > 4 ? 4 : p) }'), 1 worker)" "$t" "$(size "$f")" "$(ratio "$(size "$f")")"
t=$(best clear_ours1 "$backfill" snapshot export --json --schema "$schema" --tables "$table" --out "$work/ours1" --parallel 2)
f="$work/ours1/${table}.copy.zst"; add "ours export (--parallel 2)" "$t" "$(size "$f")" "$(ratio "$(size "$f")")"
cmp -s "$f" "$work/ours/${table}.copy.zst" || { echo "error: --parallel 2 wrote other bytes than the default" >&2; exit 2; }
t=$(best clear_ours0 "$backfill" snapshot export --json --schema "$schema" --tables "$table" --out "$work/ours0" --workers 0)
f="$work/ours0/${table}.copy.zst"; add "ours export (--workers 0)" "$t" "$(size "$f")" "$(ratio "$(size "$f")")"
t=$(best nothing bash -c "'$PG_BIN/psql' '$DATABASE_URL' -X -q -c '\\copy (SELECT * FROM ${schema}.${table} ${order}) TO STDOUT' | zstd -3 -q -f -o '$work/psql.copy.zst'")
add "psql \\copy | zstd -3" "$t" "$(size "$work/psql.copy.zst")" "$(ratio "$(size "$work/psql.copy.zst")")"
t=$(best nothing "$PG_BIN/pg_dump" "$DATABASE_URL" -Fc -t "${schema}.${table}" -f "$work/dump.gzip")
add "pg_dump -Fc (gzip)" "$t" "$(size "$work/dump.gzip")" "$(ratio "$(size "$work/dump.gzip")")"
if t=$(best nothing "$PG_BIN/pg_dump" "$DATABASE_URL" -Fc -Z zstd:3 -t "${schema}.${table}" -f "$work/dump.zstd" 2>/dev/null); then
    add "pg_dump -Fc -Z zstd:3" "$t" "$(size "$work/dump.zstd")" "$(ratio "$(size "$work/dump.zstd")")"
else
    rm -f "$work/dump.zstd"
fi
t=$(best nothing "$backfill" snapshot verify "$work/ours")
add "ours verify (decompress + digests)" "$t"

echo "importing…" >&2
t=$(best fresh_ours "$backfill" snapshot import "$work/ours" --schema "${schema}_ours")
add "ours import (verified, swapped in)" "$t"
t=$(best fresh_psql bash -c "zstd -dc -q '$work/psql.copy.zst' | '$PG_BIN/psql' '$DATABASE_URL' -X -q -c '\\copy ${schema}_psql.${table} FROM STDIN'")
add "zstd -dc | psql \\copy (table with PK)" "$t"
# pg_restore recreates the table under its original name: move the source out of the way.
"${psql[@]}" -c "ALTER SCHEMA ${schema} RENAME TO ${schema}_src"
t=$(best fresh_restore "$PG_BIN/pg_restore" -d "$DATABASE_URL" "$work/dump.gzip")
add "pg_restore (gzip dump; table, rows, then PK)" "$t"
# The issue's comparison: the rows only, into the table created beforehand with its key.
t=$(best fresh_restore_data "$PG_BIN/pg_restore" --data-only -d "$DATABASE_URL" "$work/dump.gzip")
add "pg_restore --data-only (table with PK)" "$t"
if [[ -f "$work/dump.zstd" ]]; then
    t=$(best fresh_restore "$PG_BIN/pg_restore" -d "$DATABASE_URL" "$work/dump.zstd")
    add "pg_restore (zstd dump)" "$t"
fi

# The imports must all hold the same rows.
for other in "${schema}_ours" "${schema}_psql" "${schema}"; do
    diff=$("${psql[@]}" -At -c "SELECT count(*) FROM (SELECT * FROM ${schema}_src.${table} EXCEPT ALL SELECT * FROM ${other}.${table}) d")
    [[ "$diff" == 0 ]] || { echo "error: ${other}.${table} differs from the source (${diff} rows)" >&2; exit 2; }
done

echo
echo "${rows} rows, $(awk -v b="$copy_bytes" 'BEGIN { printf "%.1f", b / 1e6 }') MB of COPY text, $(nproc) cores, median of ${repeat}, load average $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-40s %10s %12s %8s\n' "method" "time" "bytes" "ratio"
printf '%s\n' "${results[@]}"
