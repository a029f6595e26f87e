#!/usr/bin/env bash
# Benchmark of the pure pieces the suite leans on (no servers): the event generator's rate, and
# the test oracle (`CanonicalOracle`, one thread) beside a bare JSONSerialization pass over the
# same records — the peer it must stay within a few times of. Release build, CPU time per thread.
# Usage: scripts/bench-oracle.sh [EVENTS] [ORACLE_EVENTS]   (defaults 1000000 100000)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
swift build -c release --product OracleBench >/dev/null
"$(swift build -c release --show-bin-path)/OracleBench" --events "${1:-1000000}" --oracle-events "${2:-100000}"
