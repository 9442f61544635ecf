#!/usr/bin/env python3
"""Unloaded request latency: one keep-alive connection, one request at a time, every request
timed with CLOCK_MONOTONIC and kept (no coordinated-omission correction, unlike wrk 4's
histogram). Used by bench/execute_latency.sh beside wrk.

  latency-probe.py URL SECONDS [METHOD] [BODY] [HEADERS]
HEADERS: "Name: value" lines separated by "|". Prints one JSON object (latencies in µs). The
client's own cost (~40-60 µs of Python per request) is in every target alike and cancels out
in the "added" figures (target minus direct).

Each request goes out in one write, head and body together, as wrk and most clients send a
small request. (Python's http.client writes the head and the body separately: every POST then
paid a second wake-up on both sides that the bodiless GET targets did not, ~0.1 ms here, which
is the client's doing, not the server's.) Responses must carry Content-Length; a connection the
server closes (nginx after keepalive_requests) is reopened and the request sent again.

An https URL is reached over TLS (the Python ssl module, certificate verified against the CA file
named by PROBE_CA_FILE, else the system store); a reopened connection resumes the TLS session.
"""
import json
import os
import socket
import ssl
import sys
import time
from urllib.parse import urlsplit


class Connection:
    def __init__(self, host: str, port: int, tls: bool) -> None:
        self.address = (host, port)
        self.sock = None
        self.pending = b""
        self.tls = None
        self.session = None
        if tls:
            self.tls = ssl.create_default_context(cafile=os.environ.get("PROBE_CA_FILE") or None)

    def open(self) -> None:
        self.sock = socket.create_connection(self.address, timeout=10)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if self.tls is not None:
            self.sock = self.tls.wrap_socket(self.sock, server_hostname=self.address[0],
                                             session=self.session)
        self.pending = b""

    def exchange(self, request: bytes) -> int:
        """Sends `request`, reads one response; returns its status."""
        for attempt in range(2):
            if self.sock is None:
                self.open()
            try:
                self.sock.sendall(request)
                status = self.read_response()
                if status is not None:
                    return status
            except (ConnectionError, socket.timeout, ssl.SSLError):
                if attempt == 1:
                    raise
            self.sock.close()
            self.sock = None
        raise ConnectionError("server closed the connection twice")

    def read_response(self):
        buffer = self.pending
        while True:
            head_end = buffer.find(b"\r\n\r\n")
            if head_end >= 0:
                head = buffer[:head_end].decode("latin-1")
                length = 0
                for line in head.split("\r\n")[1:]:
                    name, _, value = line.partition(":")
                    if name.strip().lower() == "content-length":
                        length = int(value.strip())
                total = head_end + 4 + length
                if len(buffer) >= total:
                    self.pending = buffer[total:]
                    return int(head.split(" ", 2)[1])
            chunk = self.sock.recv(65536)
            if not chunk:
                if self.tls is not None:
                    self.session = self.sock.session  # resumed on the next connection
                return None  # closed: the caller reconnects
            buffer += chunk


def main() -> int:
    url = urlsplit(sys.argv[1])
    seconds = float(sys.argv[2])
    method = sys.argv[3] if len(sys.argv) > 3 else "GET"
    body = sys.argv[4].encode() if len(sys.argv) > 4 and sys.argv[4] else b""
    headers = [f"Host: {url.hostname}:{url.port}"]
    for line in (sys.argv[5] if len(sys.argv) > 5 else "").split("|"):
        if ":" in line:
            name, value = line.split(":", 1)
            headers.append(f"{name.strip()}: {value.strip()}")
    if body or method in ("POST", "PUT", "PATCH"):
        headers.append(f"Content-Length: {len(body)}")
    path = url.path or "/"
    request = (f"{method} {path} HTTP/1.1\r\n" + "".join(h + "\r\n" for h in headers) + "\r\n"
               ).encode("latin-1") + body
    connection = Connection(url.hostname, url.port, url.scheme == "https")
    samples = []
    errors = 0
    clock = time.monotonic_ns
    began = clock()
    end = began + int(seconds * 1e9)
    while True:
        start = clock()
        if start >= end:
            break
        status = connection.exchange(request)
        samples.append(clock() - start)
        if status >= 400:
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
