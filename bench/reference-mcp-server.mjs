#!/usr/bin/env node
// Copied unchanged (but for this header) from /work/shared/testkit/reference-mcp-server.mjs
// (testkit.md §3.1, the shared baseline peer) for bench/mcp_throughput.sh. The SDK and zod are
// imported from tests/peers/node_modules (pinned @modelcontextprotocol/sdk 1.32.2): the bench
// script links bench/node_modules to it, as scripts/setup.sh does for tests/e2e.
//
// Reference MCP server (official TypeScript SDK, Streamable HTTP) for tests and
// as the baseline peer in benchmarks.
//
//   node reference-mcp-server.mjs [--port 0] [--mode stateless|stateful] [--json]
//                                 [--bearer TOKEN]
//
// Listens on 127.0.0.1 only (port 0 = ephemeral), endpoint path /mcp. When
// ready it prints ONE JSON line on stdout: {"url":"http://127.0.0.1:PORT/mcp",...}.
//   --json     answer POSTs with application/json instead of an SSE stream
//   --bearer   require "Authorization: Bearer TOKEN" (else 401)
// Tools: echo {text}, add {a,b} (also returns structuredContent),
//        fail {message} (result with isError: true), sleep {ms}.
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';

const args = process.argv.slice(2);
const opt = (n, d) => (args.includes(`--${n}`) ? args[args.indexOf(`--${n}`) + 1] : d);
const port = Number(opt('port', '0'));
const mode = opt('mode', 'stateless');
const jsonResponse = args.includes('--json');
const bearer = opt('bearer');

function buildServer() {
  const server = new McpServer({ name: 'reference-mcp-server', version: '1.0.0' });
  server.registerTool('echo', {
    description: 'Echoes the given text',
    inputSchema: { text: z.string() },
  }, async ({ text }) => ({ content: [{ type: 'text', text }] }));
  server.registerTool('add', {
    description: 'Adds two numbers',
    inputSchema: { a: z.number(), b: z.number() },
    outputSchema: { sum: z.number() },
  }, async ({ a, b }) => ({
    content: [{ type: 'text', text: String(a + b) }],
    structuredContent: { sum: a + b },
  }));
  server.registerTool('fail', {
    description: 'Always returns a tool error (isError: true)',
    inputSchema: { message: z.string().optional() },
  }, async ({ message }) => ({ isError: true, content: [{ type: 'text', text: message ?? 'failed on purpose' }] }));
  server.registerTool('sleep', {
    description: 'Waits ms milliseconds, then answers',
    inputSchema: { ms: z.number().int().min(0).max(60000) },
  }, async ({ ms }) => {
    await new Promise((r) => setTimeout(r, ms));
    return { content: [{ type: 'text', text: `slept ${ms}` }] };
  });
  return server;
}

const readBody = (req) => new Promise((resolve, reject) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const s = Buffer.concat(chunks).toString();
    try { resolve(s ? JSON.parse(s) : undefined); } catch (e) { reject(e); }
  });
  req.on('error', reject);
});
const jsonError = (res, status, code, message) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: null }));
};

const sessions = new Map(); // stateful: sessionId -> transport

const httpServer = http.createServer(async (req, res) => {
  try {
    if (new URL(req.url, 'http://x').pathname !== '/mcp') return jsonError(res, 404, -32000, 'Not found');
    if (bearer && req.headers.authorization !== `Bearer ${bearer}`) {
      res.writeHead(401, { 'www-authenticate': 'Bearer', 'content-type': 'application/json' });
      return res.end(JSON.stringify({ error: 'unauthorized' }));
    }
    const body = req.method === 'POST' ? await readBody(req) : undefined;

    if (mode === 'stateless') {
      if (req.method !== 'POST') return jsonError(res, 405, -32000, 'Method not allowed.');
      const server = buildServer();
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: jsonResponse });
      res.on('close', () => { transport.close(); server.close(); });
      await server.connect(transport);
      return transport.handleRequest(req, res, body);
    }

    const sid = req.headers['mcp-session-id'];
    let transport = sid ? sessions.get(sid) : undefined;
    if (!transport) {
      if (sid) return jsonError(res, 404, -32001, 'Session not found');
      if (req.method !== 'POST' || !isInitializeRequest(body)) {
        return jsonError(res, 400, -32000, 'Bad Request: No valid session ID provided');
      }
      transport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        enableJsonResponse: jsonResponse,
        onsessioninitialized: (id) => { sessions.set(id, transport); },
      });
      transport.onclose = () => { if (transport.sessionId) sessions.delete(transport.sessionId); };
      await buildServer().connect(transport);
    }
    return transport.handleRequest(req, res, body);
  } catch (e) {
    if (!res.headersSent) jsonError(res, 400, -32700, `Parse error: ${e.message}`);
  }
});

httpServer.listen(port, '127.0.0.1', () => {
  const p = httpServer.address().port;
  process.stdout.write(JSON.stringify({ url: `http://127.0.0.1:${p}/mcp`, mode, json: jsonResponse, port: p }) + '\n');
});
const stop = () => {
  for (const t of sessions.values()) t.close();
  httpServer.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 1000).unref();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
