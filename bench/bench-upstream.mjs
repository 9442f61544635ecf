#!/usr/bin/env node
// The loopback upstream of the execute benchmarks. Started from /work/shared/testkit/bench-upstream.mjs
// (testkit.md §5); bench/ added TLS, connection churn and connection counters.
//   node bench-upstream.mjs [--port 0] [--tls-cert leaf.pem --tls-key leaf.key] [--close-every N]
// 127.0.0.1 only; prints ONE JSON line {"url":"http[s]://127.0.0.1:PORT/","port":…,"stats_port":…}
// when ready. Every request gets 200 application/json {"ok":true}.
//   --tls-cert/--tls-key  serve HTTPS (Node's defaults: TLS 1.2/1.3, session tickets on, so a
//                         client that keeps its session resumes)
//   --close-every N       [100] a request whose path starts with /churn/ gets `Connection: close`
//                         on every Nth response of its socket (real vendors close idle or old
//                         connections; the client must open a new one)
// Counters, on a separate plain-HTTP listener (stats_port) so reading them opens no connection
// on the measured one: GET http://127.0.0.1:STATS_PORT/stats?reset=1 answers
// {"connections":…,"resumed":…,"requests":…} counted since the previous reset, and resets them.
// `connections` counts accepted connections (TLS: completed handshakes), `resumed` the TLS ones
// that resumed a session (tlsSocket.isSessionReused()).
import http from 'node:http';
import https from 'node:https';
import fs from 'node:fs';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const port = Number(arg('--port', 0));
const certFile = arg('--tls-cert');
const keyFile = arg('--tls-key');
const closeEvery = Number(arg('--close-every', 100));
const body = JSON.stringify({ ok: true });

let counts = { connections: 0, resumed: 0, requests: 0 };
const served = new WeakMap(); // socket -> responses written on it

const handler = (req, res) => {
  req.resume();
  req.on('end', () => {
    counts.requests++;
    const n = (served.get(req.socket) ?? 0) + 1;
    served.set(req.socket, n);
    const headers = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) };
    if (req.url.startsWith('/churn/') && n % closeEvery === 0) headers.connection = 'close';
    res.writeHead(200, headers);
    res.end(body);
  });
};

const tls = Boolean(certFile && keyFile);
const server = tls
  ? https.createServer({ cert: fs.readFileSync(certFile), key: fs.readFileSync(keyFile) }, handler)
  : http.createServer(handler);
if (tls) {
  server.on('secureConnection', (socket) => {
    counts.connections++;
    if (socket.isSessionReused()) counts.resumed++;
  });
} else {
  server.on('connection', () => counts.connections++);
}
server.keepAliveTimeout = 65000;

const stats = http.createServer((req, res) => {
  const answer = JSON.stringify(counts);
  if (req.url.includes('reset=1')) counts = { connections: 0, resumed: 0, requests: 0 };
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(answer) });
  res.end(answer);
});

server.listen(port, '127.0.0.1', () => {
  stats.listen(0, '127.0.0.1', () => {
    const p = server.address().port;
    process.stdout.write(JSON.stringify({
      url: `${tls ? 'https' : 'http'}://127.0.0.1:${p}/`, port: p, stats_port: stats.address().port,
    }) + '\n');
  });
});
const stop = () => {
  stats.close();
  server.close(() => process.exit(0));
  server.closeAllConnections?.();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
setInterval(() => {}, 1 << 30); // keep alive even with no sockets
