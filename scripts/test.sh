#!/usr/bin/env bash
# The whole test suite: installs what is missing, starts the local servers, runs `swift test`.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
scripts/setup.sh
scripts/servers.sh start
# shellcheck disable=SC1091
source .local/env
swift build --build-tests "$@"
swift test --skip-build "$@"
