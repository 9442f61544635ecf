#!/usr/bin/env node
// Copied from /work/shared/testkit/bench-upstream.mjs (testkit.md §5) so bench/ is self-contained; only this line was added.
// Minimal HTTP upstream for load-generator / proxy baselines.
//   node bench-upstream.mjs [--port 0]
// 127.0.0.1 only; prints ONE JSON line {"url":"http://127.0.0.1:PORT/",...} when ready.
// Every request gets 200 application/json {"ok":true}.
import http from 'node:http';
const i = process.argv.indexOf('--port');
const port = i > 0 ? Number(process.argv[i + 1]) : 0;
const body = JSON.stringify({ ok: true });
const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
});
server.keepAliveTimeout = 65000;
server.listen(port, '127.0.0.1', () => {
  const p = server.address().port;
  process.stdout.write(JSON.stringify({ url: `http://127.0.0.1:${p}/`, port: p }) + '\n');
});
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
setInterval(() => {}, 1 << 30); // keep alive even with no sockets
