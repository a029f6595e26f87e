#!/usr/bin/env bash
# Installs what the project needs and this machine lacks: Debian's -dev packages and a
# project-local Python venv (.local/venv) with the local PostgreSQL and Kafka servers.
# Safe to run again: it only installs what is missing.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

missing=()
for pkg in librdkafka-dev libpq-dev libzstd-dev pkg-config python3-venv; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
    sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo
    echo "setup: installing Debian packages: ${missing[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

venv="$root/.local/venv"
if [ ! -x "$venv/bin/python" ]; then
    echo "setup: creating $venv"
    python3 -m venv "$venv"
fi
for req in scripts/requirements.txt "$@"; do
    stamp="$venv/.installed-$(basename "$req")"
    if ! cmp -s "$req" "$stamp" 2>/dev/null; then
        echo "setup: pip install -r $req"
        "$venv/bin/pip" install -q --disable-pip-version-check -r "$req"
        cp "$req" "$stamp"
    fi
done
