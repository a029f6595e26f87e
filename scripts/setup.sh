#!/usr/bin/env bash
# Installs what the project needs and this machine lacks: Debian's -dev packages, PgBouncer,
# man-db and openssl (the tests run a pooler, read the installed man page and make a certificate
# for an https embedding service), Debian's postgresql-15 (the other supported server version,
# for the smoke test; scripts/servers.sh runs its own cluster of it) and a project-local Python
# venv (.local/venv) with the local PostgreSQL 18 and Kafka servers.
# Safe to run again: it only installs what is missing.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

missing=()
for pkg in librdkafka-dev libpq-dev libzstd-dev pkg-config python3-venv pgbouncer man-db postgresql-15 openssl; do
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
# A requirements file whose first line is "# install: --no-deps" lists every package pinned
# and is installed without dependency resolution (keeps PyTorch/CUDA out, see the file).
for req in scripts/requirements.txt scripts/requirements-embeddings.txt "$@"; do
    stamp="$venv/.installed-$(basename "$req")"
    if ! cmp -s "$req" "$stamp" 2>/dev/null; then
        flags=(); [ "$(head -n1 "$req")" = "# install: --no-deps" ] && flags+=(--no-deps)
        echo "setup: pip install ${flags[*]} -r $req"
        "$venv/bin/pip" install -q --disable-pip-version-check "${flags[@]}" -r "$req"
        cp "$req" "$stamp"
    fi
done
