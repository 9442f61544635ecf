// End-to-end: the official MCP TypeScript SDK client (tests/peers, pinned) against the real
// `junction` binary, and Junction's execute path against Prism mocking GitHub's own OpenAPI
// document. Run by ctest (`mcp_e2e_test`) with `node --test`.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { peersDir, startJunction, startPrism, writeCatalog } from './harness.mjs';

const PLANTED_TOKEN = 'ghp_PLANTEDe2eSECRET9f3b';

let junction;
let prism;
let user;       // { userId, username }
let server;     // create response of the main server (has accessToken, accessUrl)

async function connect(url, headers = {}) {
  const transport = new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } });
  const client = new Client({ name: 'junction-e2e', version: '1.0.0' });
  await client.connect(transport);
  return { client, transport };
}

/** The JSON a tool result carries in its one text item. */
function toolJson(result) {
  assert.equal(result.content.length, 1);
  assert.equal(result.content[0].type, 'text');
  return JSON.parse(result.content[0].text);
}

async function createServer(body, headers = {}) {
  const created = await junction.api('POST', '/api/servers', body, headers);
  assert.equal(created.status, 200, created.text);
  return created.json;
}

/** A raw JSON-RPC POST (stateless: no session header unless given). */
async function rpc(url, message, headers = {}) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream', ...headers },
    body: typeof message === 'string' ? message : JSON.stringify(message),
  });
  const text = await response.text();
  let json;
  try { json = JSON.parse(text); } catch { json = undefined; }
  return { status: response.status, json, text, headers: response.headers };
}

before(async () => {
  prism = await startPrism('github.bearer.json');
  const dir = mkdtempSync(join(tmpdir(), 'junction-e2e-catalog-'));
  const catalog = writeCatalog(dir, 'github', [
    ['base_url:', `base_url: ${prism.url}`],
    ['allowed_hosts:', 'allowed_hosts: [127.0.0.1]'],
    ['Accept:', 'Accept: application/json'],
  ]);
  junction = await startJunction({
    JUNCTION_CATALOG_DIR: catalog,
    JUNCTION_EGRESS_ALLOW_CIDRS: '127.0.0.1/32',
    JUNCTION_MCP_STREAM_KEEPALIVE_MS: '300',
  });
  const created = await junction.api('POST', '/users', { username: 'ann@example.com', fullName: 'Ann' });
  assert.equal(created.status, 200, created.text);
  user = { userId: created.json.userId, username: 'ann@example.com' };
  server = await createServer({ name: 'Main Server', customInstructions: 'Prefer GitHub.' },
    { 'x-alloy-userid': user.userId });
});

after(async () => {
  prism?.stop();
  if (junction) {
    const log = junction.log();
    const { exitCode, output } = await junction.stop();
    assert.equal(exitCode, 0, output);
    assert.equal(log.includes(PLANTED_TOKEN), false, 'the credential leaked into the log');
    assert.equal(log.includes(server.accessToken), false, 'the MCP access token leaked into the log');
  }
});

describe('connecting', () => {
  test('token URL: initialize, instructions, eight tools with descriptions and schemas', async () => {
    const { client, transport } = await connect(server.accessUrl);
    assert.equal(client.getServerVersion().name, 'Junction Connectivity MCP Server');
    assert.equal(client.getInstructions(), 'Prefer GitHub.');
    assert.ok(transport.sessionId, 'initialize opens a session');
    const { tools } = await client.listTools();
    assert.deepEqual(tools.map((t) => t.name).sort(), [
      'create_credential_alloy', 'discover_action_path_alloy', 'execute_action_alloy',
      'get_action_details_alloy', 'get_connector_resources_alloy', 'get_credential_metadata_alloy',
      'get_credentials_alloy', 'list_connectors_alloy']);
    for (const tool of tools) {
      assert.ok(tool.description.length > 0, tool.name);
      assert.equal(tool.inputSchema.type, 'object', tool.name);
    }
    await transport.terminateSession();
    await client.close();
  });

  test('API URL with an API key and x-alloy-userid', async () => {
    const { client } = await connect(server.url, {
      Authorization: `Bearer ${junction.adminKey}`, 'x-alloy-userid': user.userId });
    const listed = toolJson(await client.callTool({ name: 'get_credentials_alloy', arguments: { connectorId: 'github' } }));
    assert.equal(typeof listed.count, 'number');
    await client.close();
  });

  test('API URL without credentials is refused', async () => {
    await assert.rejects(connect(server.url), /401|Unauthorized|UNAUTHORIZED/);
  });

  test('stateless: tools/list on a fresh request without initialize or session', async () => {
    const answer = await rpc(server.accessUrl, { jsonrpc: '2.0', id: 'a-1', method: 'tools/list' });
    assert.equal(answer.status, 200, answer.text);
    assert.match(answer.headers.get('content-type'), /application\/json/);
    assert.equal(answer.json.id, 'a-1');
    assert.equal(answer.json.result.tools.length, 8);
  });

  test('a deleted session is 404; DELETE without a session header is 400', async () => {
    const { client, transport } = await connect(server.accessUrl);
    const id = transport.sessionId;
    await transport.terminateSession();
    await client.close();
    const gone = await rpc(server.accessUrl, { jsonrpc: '2.0', id: 1, method: 'ping' }, { 'mcp-session-id': id });
    assert.equal(gone.status, 404, gone.text);
    const missing = await fetch(server.accessUrl, { method: 'DELETE' });
    assert.equal(missing.status, 400);
  });

  test('Inspector CLI lists the tools', async () => {
    const home = mkdtempSync(join(tmpdir(), 'inspector-home-'));
    const bin = join(peersDir, 'node_modules', '.bin', 'mcp-inspector');
    const { stdout } = await promisify(execFile)(bin,
      ['--cli', server.accessUrl, '--transport', 'http', '--method', 'tools/list'],
      { env: { ...process.env, HOME: home }, timeout: 60_000 });
    const listed = JSON.parse(stdout);
    assert.equal(listed.tools.length, 8);
  });
});

describe('tools', () => {
  let client;
  before(async () => { ({ client } = await connect(server.accessUrl)); });
  after(async () => { await client.close(); });
  const call = async (name, args) => client.callTool({ name, arguments: args });

  test('list_connectors_alloy: every connector, category filter case-insensitive', async () => {
    const all = toolJson(await call('list_connectors_alloy', {}));
    assert.equal(all.count, all.connectors.length);
    assert.ok(all.connectors.some((c) => c.id === 'github'));
    assert.equal(all.message, `Found ${all.count} available connectors`);
    const crm = toolJson(await call('list_connectors_alloy', { category: 'CRM' }));
    assert.ok(crm.count > 0 && crm.count < all.count);
    assert.ok(crm.connectors.every((c) => c.category.includes('crm')));
  });

  test('get_connector_resources_alloy, get_action_details_alloy and their failures', async () => {
    const resources = toolJson(await call('get_connector_resources_alloy', { connectorId: 'github' }));
    assert.equal(resources.connectorId, 'github');
    assert.ok(resources.resources.flatMap((r) => r.actions).some((a) => a.id === 'getAuthenticatedUser'));
    const details = toolJson(await call('get_action_details_alloy', { connectorId: 'github', actionId: 'listIssues' }));
    assert.equal(details.action.id, 'listIssues');
    const unknown = await call('get_connector_resources_alloy', { connectorId: 'nope' });
    assert.equal(unknown.isError, true);
    assert.equal(toolJson(unknown).error.code, 'CONNECTOR_NOT_FOUND');
    const noAction = await call('get_action_details_alloy', { connectorId: 'github', actionId: 'nope' });
    assert.equal(toolJson(noAction).error.code, 'ACTION_NOT_FOUND');
    const badArgs = await call('get_action_details_alloy', { connectorId: 'github' });
    assert.equal(badArgs.isError, true);
    assert.equal(toolJson(badArgs).error.code, 'INVALID_REQUEST');
  });

  test('unknown tool is a JSON-RPC -32602 error', async () => {
    await assert.rejects(call('no_such_tool', {}), /-32602|Unknown tool/);
  });

  test('execute before any credential tells the assistant to create one', async () => {
    const failed = await call('execute_action_alloy', { connectorId: 'github', actionId: 'getAuthenticatedUser', parameters: {} });
    assert.equal(failed.isError, true);
    const { error } = toolJson(failed);
    assert.equal(error.code, 'CREDENTIAL_NOT_FOUND');
    assert.match(error.message, /create_credential_alloy/);
  });

  test('metadata, then create_credential_alloy, get_credentials_alloy and execute against Prism', async () => {
    const metadata = toolJson(await call('get_credential_metadata_alloy', { connectorId: 'github' }));
    assert.ok(metadata.metadata.some((m) => m.authenticationType === 'bearer'));
    const created = toolJson(await call('create_credential_alloy', {
      connectorId: 'github', authenticationType: 'bearer', fields: { token: PLANTED_TOKEN } }));
    assert.match(created.credentialId, /^[0-9a-f]{24}$/);
    assert.equal(created.message, 'Credential created');
    const listed = toolJson(await call('get_credentials_alloy', { connectorId: 'github' }));
    assert.ok(listed.credentials.some((c) => c.credentialId === created.credentialId));
    assert.equal(JSON.stringify(listed).includes(PLANTED_TOKEN), false);

    const me = await call('execute_action_alloy', { connectorId: 'github', actionId: 'getAuthenticatedUser', parameters: {} });
    assert.equal(me.isError, false, me.content[0].text);
    const answer = toolJson(me);
    assert.equal(answer.success, true);
    assert.equal(answer.statusCode, 200);
    // Flat parameters: owner/repo are path parameters, state a query parameter (Prism checks).
    const issues = await call('execute_action_alloy', {
      connectorId: 'github', actionId: 'listIssues', parameters: { owner: 'octocat', repo: 'hello-world', state: 'open' } });
    assert.equal(issues.isError, false, issues.content[0].text + prism.log().slice(-2000));
    // A body action with the flat form: title goes into the JSON body.
    const issue = await call('execute_action_alloy', {
      connectorId: 'github', actionId: 'createIssue', parameters: { owner: 'octocat', repo: 'hello-world', title: 'Found a bug' } });
    assert.equal(issue.isError, false, issue.content[0].text + prism.log().slice(-2000));
    assert.equal(toolJson(issue).statusCode, 201);
    // A body that breaks the action's schema is refused before anything is sent.
    const refused = await call('execute_action_alloy', {
      connectorId: 'github', actionId: 'createIssue', parameters: { owner: 'octocat', repo: 'hello-world', title: 'x', labels: 'not-an-array' } });
    assert.equal(refused.isError, true);
    for (const result of [me, issues, issue, refused]) {
      assert.equal(JSON.stringify(result).includes(PLANTED_TOKEN), false);
    }
  });

  test('create_credential_alloy for OAuth without an auth config says what is missing', async () => {
    const failed = await call('create_credential_alloy', { connectorId: 'slack', authenticationType: 'oauth2' });
    assert.equal(failed.isError, true);
    assert.match(toolJson(failed).error.message, /auth config/);
  });

  test('discover_action_path_alloy ranks GitHub issue creation first', async () => {
    const found = toolJson(await call('discover_action_path_alloy', { goal: 'create a github issue' }));
    assert.ok(found.count > 0);
    assert.equal(found.matches[0].connectorId, 'github');
    assert.equal(found.matches[0].actionId, 'createIssue');
    const none = toolJson(await call('discover_action_path_alloy', { goal: 'the of and' }));
    assert.equal(none.count, 0);
  });

  test('a progress token turns the answer into an SSE stream with a progress event', async () => {
    const progress = [];
    const result = await client.callTool({ name: 'list_connectors_alloy', arguments: {} }, undefined,
      { onprogress: (p) => progress.push(p) });
    assert.ok(toolJson(result).count > 0);
    assert.equal(progress.length, 1);
    const raw = await rpc(server.accessUrl, { jsonrpc: '2.0', id: 7, method: 'tools/call',
      params: { name: 'list_connectors_alloy', arguments: {}, _meta: { progressToken: 'p1' } } });
    assert.match(raw.headers.get('content-type'), /text\/event-stream/);
    const events = raw.text.split('\n').filter((l) => l.startsWith('data: ')).map((l) => JSON.parse(l.slice(6)));
    assert.equal(events.length, 2);
    assert.equal(events[0].method, 'notifications/progress');
    assert.equal(events[1].id, 7);
  });
});

describe('server management seen through MCP', () => {
  test('restrictions: allowlist hides and refuses; users rule answers 403', async () => {
    const restricted = await createServer({
      name: 'Only GitHub',
      restrictions: {
        connectors: { mode: 'allowlist', allowedIds: ['github'] },
        actions: { mode: 'blocklist', blockedActions: ['github.createIssue'] },
      },
    }, { 'x-alloy-userid': user.userId });
    const { client } = await connect(restricted.accessUrl);
    const listed = toolJson(await client.callTool({ name: 'list_connectors_alloy', arguments: {} }));
    assert.deepEqual(listed.connectors.map((c) => c.id), ['github']);
    const slack = await client.callTool({ name: 'get_credential_metadata_alloy', arguments: { connectorId: 'slack' } });
    assert.equal(toolJson(slack).error.code, 'FORBIDDEN');
    assert.match(toolJson(slack).error.message, /not available on this server/);
    const blocked = await client.callTool({ name: 'execute_action_alloy',
      arguments: { connectorId: 'github', actionId: 'createIssue', parameters: {} } });
    assert.equal(toolJson(blocked).error.code, 'FORBIDDEN');
    const resources = toolJson(await client.callTool({ name: 'get_connector_resources_alloy', arguments: { connectorId: 'github' } }));
    assert.equal(resources.resources.flatMap((r) => r.actions).some((a) => a.id === 'createIssue'), false);
    const found = toolJson(await client.callTool({ name: 'discover_action_path_alloy', arguments: { goal: 'create github issue' } }));
    assert.equal(found.matches.some((m) => m.actionId === 'createIssue'), false);
    await client.close();

    const usersOnly = await createServer({ name: 'Nobody',
      restrictions: { users: { mode: 'allowlist', allowedIds: ['000000000000000000000000'] } } },
      { 'x-alloy-userid': user.userId });
    const denied = await rpc(usersOnly.accessUrl, { jsonrpc: '2.0', id: 1, method: 'tools/list' });
    assert.equal(denied.status, 403, denied.text);
    assert.equal(denied.json.error.code, 'FORBIDDEN');
  });

  test('restrictions: connector blocklist, action allowlist (qualified and bare), users blocklist', async () => {
    const blocking = await createServer({
      name: 'No Slack',
      restrictions: {
        connectors: { mode: 'blocklist', blockedIds: ['slack'] },
        actions: { mode: 'allowlist', allowedActions: ['github.listIssues', 'getAuthenticatedUser'] },
      },
    }, { 'x-alloy-userid': user.userId });
    const { client } = await connect(blocking.accessUrl);
    const listed = toolJson(await client.callTool({ name: 'list_connectors_alloy', arguments: {} }));
    assert.equal(listed.connectors.some((c) => c.id === 'slack'), false);
    assert.ok(listed.connectors.some((c) => c.id === 'github'));
    const resources = toolJson(await client.callTool({ name: 'get_connector_resources_alloy', arguments: { connectorId: 'github' } }));
    assert.deepEqual(resources.resources.flatMap((r) => r.actions).map((a) => a.id).sort(), ['getAuthenticatedUser', 'listIssues']);
    const details = await client.callTool({ name: 'get_action_details_alloy', arguments: { connectorId: 'github', actionId: 'createIssue' } });
    assert.equal(toolJson(details).error.code, 'FORBIDDEN');
    const allowed = await client.callTool({ name: 'execute_action_alloy',
      arguments: { connectorId: 'github', actionId: 'getAuthenticatedUser', parameters: {} } });
    assert.equal(allowed.isError, false, allowed.content[0].text);
    await client.close();

    const notAnn = await createServer({ name: 'Not Ann',
      restrictions: { users: { mode: 'blocklist', blockedIds: [user.userId] } } },
      { 'x-alloy-userid': user.userId });
    const refused = await rpc(notAnn.accessUrl, { jsonrpc: '2.0', id: 1, method: 'tools/list' });
    assert.equal(refused.status, 403, refused.text);
  });

  test('x-credential-id naming a credential that is not the user\'s is CREDENTIAL_NOT_FOUND, never a fallback', async () => {
    const { client } = await connect(server.accessUrl, { 'x-credential-id': '0123456789abcdef01234567' });
    const failed = await client.callTool({ name: 'execute_action_alloy',
      arguments: { connectorId: 'github', actionId: 'getAuthenticatedUser', parameters: {} } });
    assert.equal(failed.isError, true);
    assert.equal(toolJson(failed).error.code, 'CREDENTIAL_NOT_FOUND');
    await client.close();
  });

  test('rotation: the old token is 401 at once, the new one works', async () => {
    const own = await createServer({ name: 'Rotating' }, { 'x-alloy-userid': user.userId });
    const rotated = await junction.api('POST', `/api/servers/${own.serverId}/rotate-token`, {}, { 'x-alloy-userid': user.userId });
    assert.equal(rotated.status, 200, rotated.text);
    const old = await rpc(own.accessUrl, { jsonrpc: '2.0', id: 1, method: 'ping' });
    assert.equal(old.status, 401);
    await assert.rejects(connect(own.accessUrl), /401|Unauthorized|UNAUTHORIZED/);
    const { client } = await connect(rotated.json.accessUrl);
    await client.ping();
    await client.close();
  });

  test('a deleted server answers 401 on its token URL', async () => {
    const own = await createServer({ name: 'Doomed' }, { 'x-alloy-userid': user.userId });
    const { client } = await connect(own.accessUrl);
    const deleted = await junction.api('DELETE', `/api/servers/${own.serverId}`, undefined, { 'x-alloy-userid': user.userId });
    assert.equal(deleted.status, 200, deleted.text);
    await assert.rejects(client.listTools(), /401|Unauthorized|UNAUTHORIZED|Not Found|404/);
    await client.close().catch(() => {});
    const gone = await rpc(own.accessUrl, { jsonrpc: '2.0', id: 1, method: 'ping' });
    assert.equal(gone.status, 401);
  });

  test('GET stream: keepalives, and tools/list_changed when the server is updated', async () => {
    const own = await createServer({ name: 'Streaming' }, { 'x-alloy-userid': user.userId });
    const controller = new AbortController();
    const response = await fetch(own.accessUrl, { headers: { Accept: 'text/event-stream' }, signal: controller.signal });
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type'), /text\/event-stream/);
    const reader = response.body.getReader();
    let text = '';
    const readUntil = async (pattern) => {
      while (!pattern.test(text)) {
        const { value, done } = await reader.read();
        if (done) break;
        text += Buffer.from(value).toString();
      }
      return pattern.test(text);
    };
    assert.ok(await readUntil(/: keepalive/), 'a keepalive comment arrives (300 ms in this test)');
    const updated = await junction.api('PUT', `/api/servers/${own.serverId}`, { description: 'changed' }, { 'x-alloy-userid': user.userId });
    assert.equal(updated.status, 200, updated.text);
    assert.ok(await readUntil(/notifications\/tools\/list_changed/), text);
    controller.abort();
    const refused = await fetch(own.accessUrl, { headers: { Accept: 'application/json' } });
    assert.equal(refused.status, 406);
  });
});

describe('rate limit', () => {
  test('MCP requests past the per-token limit get 429 with Retry-After', async () => {
    const limited = await startJunction({ JUNCTION_RATE_LIMIT_MCP: '5/60s' });
    try {
      const created = await limited.api('POST', '/api/servers', { name: 'Limited' });
      assert.equal(created.status, 200, created.text);
      const statuses = [];
      let last;
      for (let i = 0; i < 7; i += 1) {
        last = await rpc(created.json.accessUrl, { jsonrpc: '2.0', id: i, method: 'ping' });
        statuses.push(last.status);
      }
      assert.deepEqual(statuses, [200, 200, 200, 200, 200, 429, 429]);
      assert.ok(Number(last.headers.get('retry-after')) > 0);
      assert.equal(last.json.error.code, 'RATE_LIMITED');
    } finally {
      const { exitCode, output } = await limited.stop();
      assert.equal(exitCode, 0, output);
    }
  });
});
