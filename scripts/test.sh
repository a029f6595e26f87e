#!/usr/bin/env bash
# The whole test suite: installs what is missing, starts the local servers, runs `swift test`.
# `scripts/test.sh --unit` runs only the pure tests, without servers (scripts/unit-tests.sh).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
if [ "${1:-}" = --unit ]; then
    shift
    exec scripts/unit-tests.sh "$@"
fi
scripts/setup.sh
scripts/servers.sh start
# shellcheck disable=SC1091
source .local/env
swift build --build-tests "$@"
swift test --skip-build "$@"
