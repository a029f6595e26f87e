#!/usr/bin/env bash
# Benchmarks `backfill diff` on two 1M-row temperature_readings tables with 0.1 % differences
# (400 changed, 300 missing, 300 extra rows) against the bare differing-rows count query,
# in one database and across two databases, with and without verdict rules (a tolerance
# that accepts the 400 changed rows and an ignored column), and against reladiff when it is
# on the PATH.
#
#   DATABASE_URL=postgresql://… PG_BIN=/path/to/pg/bin scripts/bench-diff.sh [--rows N] [--keep] [--no-reladiff]
#
# Needs: a release build (swift build -c release --product backfill), psql (PG_BIN or PATH).
# Creates schemas bench_diff_a/bench_diff_b and the database bench_diff_other; drops them
# at the end unless --keep.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
rows=1000000
keep=false
reladiff=true
while [ $# -gt 0 ]; do
    case "$1" in
        --rows) rows=$2; shift 2 ;;
        --keep) keep=true; shift ;;
        --no-reladiff) reladiff=false; shift ;;
        *) echo "usage: $0 [--rows N] [--keep] [--no-reladiff]" >&2; exit 2 ;;
    esac
done
: "${DATABASE_URL:?DATABASE_URL is not set}"
psql=${PG_BIN:+$PG_BIN/}psql
backfill="$root/.build/release/backfill"
[ -x "$backfill" ] || { echo "error: build first: swift build -c release --product backfill" >&2; exit 2; }
other_url=$(python3 -c 'import sys, urllib.parse as u; p = u.urlsplit(sys.argv[1]); print(u.urlunsplit(p._replace(path="/bench_diff_other")))' "$DATABASE_URL")

q() { PGOPTIONS='-c client_min_messages=warning' "$psql" -X -q -v ON_ERROR_STOP=1 "$@"; }
now() { date +%s.%N; }
best_of_3() {  # prints the best wall time of three runs of "$@" (output discarded)
    local best="" start end took
    for _ in 1 2 3; do
        start=$(now); "$@" > /dev/null || [ $? -eq 1 ]; end=$(now)
        took=$(python3 -c "print(f'{$end - $start:.3f}')")
        if [ -z "$best" ] || python3 -c "import sys; sys.exit(0 if $took < $best else 1)"; then best=$took; fi
    done
    echo "$best"
}

cleanup() {
    if [ "$keep" = false ]; then
        q "$DATABASE_URL" -c "DROP SCHEMA IF EXISTS bench_diff_a CASCADE; DROP SCHEMA IF EXISTS bench_diff_b CASCADE" 2>/dev/null || true
        q "$DATABASE_URL" -c "DROP DATABASE IF EXISTS bench_diff_other WITH (FORCE)" 2>/dev/null || true
    fi
}
trap cleanup EXIT

echo "loading 2 x $rows rows …"
q "$DATABASE_URL" <<SQL
DROP SCHEMA IF EXISTS bench_diff_a CASCADE; DROP SCHEMA IF EXISTS bench_diff_b CASCADE;
CREATE SCHEMA bench_diff_a; CREATE SCHEMA bench_diff_b;
CREATE TABLE bench_diff_a.temperature_readings (
    subject_id text NOT NULL, occurred_at timestamptz NOT NULL, celsius double precision NOT NULL,
    humidity double precision, event_id text NOT NULL, PRIMARY KEY (subject_id, occurred_at));
CREATE TABLE bench_diff_b.temperature_readings (LIKE bench_diff_a.temperature_readings INCLUDING ALL);
INSERT INTO bench_diff_a.temperature_readings
SELECT 'sensor-' || lpad((i % 1000)::text, 4, '0'), timestamptz '2024-01-01Z' + (i / 1000) * interval '1 minute' + (i % 7) * interval '1 microsecond',
       round(((i % 9000) / 100.0 - 40)::numeric, 2), CASE WHEN i % 10 = 0 THEN NULL ELSE (i % 1000) / 10.0 END, 'evt-' || i
FROM generate_series(1, $rows) AS i;
INSERT INTO bench_diff_b.temperature_readings SELECT * FROM bench_diff_a.temperature_readings;
UPDATE bench_diff_b.temperature_readings SET celsius = celsius + 0.5 WHERE event_id IN (SELECT 'evt-' || (i * ($rows / 1000)) FROM generate_series(1, 400) i);
DELETE FROM bench_diff_b.temperature_readings WHERE event_id IN (SELECT 'evt-' || (i * ($rows / 1000) + 1) FROM generate_series(401, 700) i);
INSERT INTO bench_diff_b.temperature_readings SELECT 'sensor-x' || i, timestamptz '2024-01-01Z', 1, NULL, 'extra-' || i FROM generate_series(1, 300) i;
VACUUM ANALYZE bench_diff_a.temperature_readings; VACUUM ANALYZE bench_diff_b.temperature_readings;
DROP DATABASE IF EXISTS bench_diff_other WITH (FORCE);
CREATE DATABASE bench_diff_other;
SQL
q "$other_url" <<SQL
DROP SCHEMA IF EXISTS bench_diff_b CASCADE; CREATE SCHEMA bench_diff_b;
CREATE TABLE bench_diff_b.temperature_readings (
    subject_id text NOT NULL, occurred_at timestamptz NOT NULL, celsius double precision NOT NULL,
    humidity double precision, event_id text NOT NULL, PRIMARY KEY (subject_id, occurred_at));
SQL
q "$DATABASE_URL" -c "COPY bench_diff_b.temperature_readings TO STDOUT" | q "$other_url" -c "COPY bench_diff_b.temperature_readings FROM STDIN"
q "$other_url" -c "VACUUM ANALYZE bench_diff_b.temperature_readings"

count_query="SELECT count(*) FROM bench_diff_a.temperature_readings a FULL JOIN bench_diff_b.temperature_readings b USING (subject_id, occurred_at) WHERE a IS NULL OR b IS NULL OR (a.*) IS DISTINCT FROM (b.*)"
echo "differing rows (bare count): $(q "$DATABASE_URL" -At -c "$count_query")"

bare=$(best_of_3 q "$DATABASE_URL" -At -c "$count_query")
reports=$(mktemp -d)
same=$(best_of_3 "$backfill" diff --database-url "$DATABASE_URL" --left bench_diff_a --right bench_diff_b \
    --tables temperature_readings --no-causes --reports-dir "$reports")
cross=$(best_of_3 "$backfill" diff --left-url "$DATABASE_URL" --right-url "$other_url" --left bench_diff_a --right bench_diff_b \
    --tables temperature_readings --no-causes --reports-dir "$reports")
"$backfill" diff --left-url "$DATABASE_URL" --right-url "$other_url" --left bench_diff_a --right bench_diff_b \
    --tables temperature_readings --no-causes --reports-dir "$reports" | sed -n 2,3p || true
# Verdict rules: a tolerance (its two values come back from the same-database query for the
# differing rows) that accepts the 400 changed rows, and an ignored column.
cat > "$reports/rules.toml" <<'TOML'
[tables.temperature_readings.columns.celsius]
absolute = 1
reason = "bench: accepts the planted +0.5 changes"

[tables.temperature_readings.columns.humidity]
ignore = true
reason = "bench: an ignored column"
TOML
same_rules=$(best_of_3 "$backfill" diff --database-url "$DATABASE_URL" --left bench_diff_a --right bench_diff_b \
    --tables temperature_readings --no-causes --reports-dir "$reports" --rules "$reports/rules.toml")
cross_rules=$(best_of_3 "$backfill" diff --left-url "$DATABASE_URL" --right-url "$other_url" --left bench_diff_a --right bench_diff_b \
    --tables temperature_readings --no-causes --reports-dir "$reports" --rules "$reports/rules.toml")

echo "bare count query (psql, incl. start-up):  ${bare} s"
echo "backfill diff, same database:             ${same} s  ($(python3 -c "print(f'{$same / $bare:.2f}')") x bare)"
echo "backfill diff, two databases (streamed):  ${cross} s  ($(python3 -c "print(f'{$cross / $bare:.2f}')") x bare)"
echo "  with verdict rules, same database:       ${same_rules} s  ($(python3 -c "print(f'{$same_rules / $same:.2f}')") x without)"
echo "  with verdict rules, two databases:       ${cross_rules} s  ($(python3 -c "print(f'{$cross_rules / $cross:.2f}')") x without)"
if [ "$reladiff" = false ]; then
    echo "reladiff: skipped (--no-reladiff)"
elif command -v reladiff > /dev/null; then
    start=$(now)
    # reladiff cannot key on a timestamptz; event_id is unique in this data, so it keys on that.
    reladiff "$DATABASE_URL" bench_diff_a.temperature_readings "$other_url" bench_diff_b.temperature_readings \
        -k event_id -c subject_id -c occurred_at -c celsius -c humidity --stats > "$reports/reladiff.txt" 2>&1 || true
    end=$(now)
    echo "reladiff, two databases (key event_id):   $(python3 -c "print(f'{$end - $start:.3f}')") s  (once)"
    grep -E "exclusive|updated|ERROR" "$reports/reladiff.txt" | sed 's/^/    /' || true
else
    echo "reladiff: not on the PATH (pip install 'reladiff[postgresql]' to compare)"
fi
rm -rf "$reports"
