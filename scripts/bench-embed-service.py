"""The reference embedding service alone, for the embedding benchmarks (the peer of `embed`).

Usage: python bench-embed-service.py URL BATCH CONCURRENCY TEXTS.jsonl [SMALL]

Posts the texts (one JSON object with a "text" per line) in batches of BATCH with CONCURRENCY
requests in flight, after one warm-up batch, and prints "texts seconds texts/s". With SMALL it
then times 100 requests of SMALL texts one at a time and adds their p50 and p99 in seconds (what
a follower's small batches wait for).
"""
import http.client
import json
import statistics
import sys
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

url, batch, concurrency = urllib.parse.urlsplit(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
with open(sys.argv[4]) as lines:
    texts = [json.loads(line)["text"] for line in lines]
small = int(sys.argv[5]) if len(sys.argv) > 5 else 0
local = threading.local()


def post(chunk):
    if not hasattr(local, "conn"):
        local.conn = http.client.HTTPConnection(url.hostname, url.port or 80, timeout=300)
    local.conn.request("POST", "/generate", json.dumps({"texts": chunk}), {"Content-Type": "application/json"})
    answer = local.conn.getresponse()
    body = answer.read()
    assert answer.status == 200, (answer.status, body[:200])
    assert len(json.loads(body)["embeddings"]) == len(chunk)


post(texts[:batch])  # warm up
started = time.monotonic()
with ThreadPoolExecutor(concurrency) as pool:
    list(pool.map(post, [texts[i:i + batch] for i in range(0, len(texts), batch)]))
elapsed = time.monotonic() - started
result = f"{len(texts)} {elapsed:.2f} {len(texts) / elapsed:.1f}"
if small:
    latencies = []
    for i in range(100):
        t0 = time.monotonic()
        post([texts[(i * small + j) % len(texts)] for j in range(small)])  # wraps around few texts
        latencies.append(time.monotonic() - t0)
    latencies.sort()
    result += f" {statistics.median(latencies):.3f} {latencies[98]:.3f}"
print(result)
