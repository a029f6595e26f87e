#!/usr/bin/env bash
# Benchmark of the HTTP client to the embedding service (decision 0014), one run. Per request:
# the client's CPU (user + sys of the whole client process, all threads, / requests) and its
# latency (p50/p90/p99), for /health, a 1-text /generate (what a follower sends when little
# arrives) and a 64-text /generate, over http:// (the service scripts/servers.sh starts) and
# https:// (a second instance of the same service with a certificate made here by openssl), each
# side by side with Python's http.client on a kept-alive connection (the client bench-embed.sh's
# "service alone" uses) sending the same requests in the same run.
# Usage: scripts/bench-http.sh [REQUESTS] [ROUNDS]   (defaults 400 4; /generate of 64 gets REQUESTS/20)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
requests=${1:-400}
rounds=${2:-4}
scripts/setup.sh >/dev/null
scripts/servers.sh start 2>/dev/null
# shellcheck disable=SC1091
source .local/env
swift build -c release --product HTTPBench >/dev/null
bench=.build/release/HTTPBench
python=.local/venv/bin/python
work=$(mktemp -d)
tls_pid=""
cleanup() { [ -n "$tls_pid" ] && kill "$tls_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

# https: the same service, second instance, self-signed certificate for 127.0.0.1.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$work/key.pem" -out "$work/cert.pem" \
    -days 1 -subj "/CN=bench" -addext "subjectAltName=IP:127.0.0.1" 2>/dev/null
tls_port=$("$python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
EMBED_PORT=$tls_port EMBED_TLS_CERT="$work/cert.pem" EMBED_TLS_KEY="$work/key.pem" \
    "$python" services/embedding/app.py >"$work/tls.log" 2>&1 &
tls_pid=$!
for _ in $(seq 1 240); do
    curl -fsS -m 2 --cacert "$work/cert.pem" "https://127.0.0.1:$tls_port/health" >/dev/null 2>&1 && break
    kill -0 "$tls_pid" 2>/dev/null || { cat "$work/tls.log" >&2; exit 1; }
    sleep 0.5
done

peer=$(cat <<'PY'
import http.client, json, ssl, sys, time, urllib.parse
url, requests, rounds = urllib.parse.urlsplit(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
if url.scheme == "https":
    conn = http.client.HTTPSConnection(url.hostname, url.port, timeout=60, context=ssl.create_default_context(cafile=sys.argv[4]))
else:
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
batch = [f"message {i} of a batch, about as long as a text message usually is, give or take" for i in range(64)]
def call(method, path, body=None):
    conn.request(method, path, body, {"Content-Type": "application/json"} if body else {})
    answer = conn.getresponse()
    data = answer.read()
    assert answer.status == 200, (answer.status, data[:200])
    json.loads(data)
kinds = [("health", requests, lambda i: call("GET", "/health")),
         ("generate1", requests, lambda i: call("POST", "/generate", json.dumps({"texts": [f"a short message number {i}"]}))),
         ("generate64", max(1, requests // 20), lambda i: call("POST", "/generate", json.dumps({"texts": batch})))]
for _, _, f in kinds: f(0)
lat, cpu = {}, {}
for _ in range(rounds):
    for name, count, f in kinds:
        c0 = time.process_time()
        for i in range(count):
            t0 = time.perf_counter(); f(i); lat.setdefault(name, []).append((time.perf_counter() - t0) * 1000)
        cpu[name] = cpu.get(name, 0) + time.process_time() - c0
for name, _, _ in kinds:
    v = sorted(lat[name]); p = lambda q: v[min(len(v) - 1, int(len(v) * q))]
    print(f"{name} {len(v)} {cpu[name] / len(v) * 1e6:.1f} {p(0.5):.3f} {p(0.9):.3f} {p(0.99):.3f}")
PY
)

echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)" >&2
printf "%-7s %-10s %-22s %6s %12s %8s %8s %8s\n" scheme request client n "cpu µs/req" "p50 ms" "p90 ms" "p99 ms"
for target in "http $EMBEDDING_SERVICE_URL" "https https://127.0.0.1:$tls_port"; do
    read -r scheme url <<<"$target"
    ours=$("$bench" "$url" "$requests" "$rounds" "$work/cert.pem")
    theirs=$("$python" -c "$peer" "$url" "$requests" "$rounds" "$work/cert.pem")
    while read -r name n cpu p50 p90 p99; do
        printf "%-7s %-10s %-22s %6s %12s %8s %8s %8s\n" "$scheme" "$name" "backfill (AHC)" "$n" "$cpu" "$p50" "$p90" "$p99"
        read -r _ n2 cpu2 q50 q90 q99 <<<"$(grep "^$name " <<<"$theirs")"
        printf "%-7s %-10s %-22s %6s %12s %8s %8s %8s\n" "$scheme" "$name" "python http.client" "$n2" "$cpu2" "$q50" "$q90" "$q99"
    done <<<"$ours"
done
