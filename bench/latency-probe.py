#!/usr/bin/env python3
"""Unloaded request latency: one keep-alive connection, one request at a time, every request
timed with CLOCK_MONOTONIC and kept (no coordinated-omission correction, unlike wrk 4's
histogram). Used by bench/execute_latency.sh beside wrk.

  latency-probe.py URL SECONDS [METHOD] [BODY] [HEADERS]
HEADERS: "Name: value" lines separated by "|". Prints one JSON object (latencies in µs). The
client's own cost (~40-60 µs of Python per request) is in every target alike and cancels out
in the "added" figures (target minus direct).
"""
import http.client
import json
import sys
import time
from urllib.parse import urlsplit


def main() -> int:
    url = urlsplit(sys.argv[1])
    seconds = float(sys.argv[2])
    method = sys.argv[3] if len(sys.argv) > 3 else "GET"
    body = sys.argv[4].encode() if len(sys.argv) > 4 and sys.argv[4] else None
    headers = {}
    for line in (sys.argv[5] if len(sys.argv) > 5 else "").split("|"):
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip()] = value.strip()
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    path = url.path or "/"
    samples = []
    errors = 0
    clock = time.monotonic_ns
    began = clock()
    end = began + int(seconds * 1e9)
    while True:
        start = clock()
        if start >= end:
            break
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        response.read()
        samples.append(clock() - start)
        if response.status >= 400:
            errors += 1
    duration = clock() - began
    samples.sort()
    count = len(samples)

    def pct(p: float) -> int:
        return samples[min(count - 1, int(p / 100.0 * count))] // 1000

    print(json.dumps({"requests": count, "duration_us": duration // 1000, "p50_us": pct(50), "p90_us": pct(90), "p99_us": pct(99),
                      "mean_us": round(sum(samples) / count / 1000, 1), "max_us": samples[-1] // 1000,
                      "err_status": errors}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
