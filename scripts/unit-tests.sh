#!/usr/bin/env bash
# The pure tests alone: every test not tagged `.integration` (Tests/TestSupport/Tags.swift), with
# no server started and none reachable, in seconds. `scripts/test.sh` still runs everything.
#
# Swift 6.3's `swift test` filters by test name only (`--filter`/`--skip` take regular expressions
# over test ids), not by tag; so the tagged suites and tests are read from the test binary's own
# list (its event stream carries each test's tags) and passed to `--skip`. The server variables
# are removed, so a test that needs a server but lacks the tag fails loudly here instead of
# passing quietly.
# Usage: scripts/unit-tests.sh [swift test options…]   e.g. --filter LifestreamTests
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
started=$(date +%s.%N)
list=$(mktemp)
build_log=$(mktemp)
trap 'rm -f "$list" "$build_log"' EXIT
if ! swift build --build-tests >"$build_log" 2>&1; then
    grep -v '^\[' "$build_log" >&2 || true
    echo "unit-tests: the build failed (scripts/setup.sh installs the libraries it needs)" >&2
    exit 1
fi
bundle="$(swift build --show-bin-path)/backfillPackageTests.xctest"
SWT_EXPERIMENTAL_EVENT_STREAM_FIELDS_ENABLED=1 "$bundle" --testing-library swift-testing --list-tests \
    --event-stream-output-path "$list" --event-stream-version 0 >/dev/null
skip=$(python3 - "$list" <<'PY'
import json, re, sys
ids = set()  # the list names a suite once per test it holds
for line in open(sys.argv[1]):
    event = json.loads(line)
    payload = event.get("payload", {})
    if event.get("kind") == "test" and ".integration" in payload.get("_tags", []):
        ids.add(payload["id"])
if not ids:
    sys.exit("unit-tests: the test list names no test tagged .integration; "
             "has this toolchain stopped reporting tags (`_tags`) in its event stream?")
print(f"unit-tests: skipping the {len(ids)} suites and tests tagged .integration", file=sys.stderr)
print("|".join("^" + re.escape(i) + "(/|$)" for i in sorted(ids)))
PY
)
env -u DATABASE_URL -u PG15_DATABASE_URL -u KAFKA_BROKERS -u EMBEDDING_SERVICE_URL \
    swift test --skip-build --skip "$skip" "$@"
echo "unit-tests: done in $(python3 -c "print(f'{$(date +%s.%N) - $started:.1f}')") s (build included)"
