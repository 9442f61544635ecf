// Starts the real `junction` binary (and Prism) for the end-to-end tests, on loopback ports
// chosen by the kernel. The binary comes from JUNCTION_TEST_BINARY_DIR (set by ctest).
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';

export const sourceDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const binaryDir = process.env.JUNCTION_TEST_BINARY_DIR ?? join(sourceDir, 'build', 'asan');
export const junctionBinary = join(binaryDir, 'src', 'junction', 'cli', 'junction');
export const peersDir = join(sourceDir, 'tests', 'peers');

/** Waits until `read()` returns a value, or fails after `ms`. */
async function waitFor(read, ms, what) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A child process whose output is collected; `stop()` ends it. */
function start(command, args, env, cwd) {
  const child = spawn(command, args, { env: { ...process.env, ...env }, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  const output = { text: '' };
  child.stdout.on('data', (d) => { output.text += d; });
  child.stderr.on('data', (d) => { output.text += d; });
  child.exitCode_ = null;
  child.on('exit', (code) => { child.exitCode_ = code ?? -1; });
  return { child, output };
}

/** Prism mocking one of tests/fixtures/prism's vendor documents. */
export async function startPrism(document) {
  const cli = join(peersDir, 'node_modules', '@stoplight', 'prism-cli', 'dist', 'index.js');
  const { child, output } = start('node', [cli, 'mock', '-h', '127.0.0.1', '-p', '0',
    join(sourceDir, 'tests', 'fixtures', 'prism', document)], {}, peersDir);
  const url = await waitFor(() => {
    if (child.exitCode_ !== null) throw new Error(`prism exited: ${output.text}`);
    const m = output.text.match(/Prism is listening on (http:\/\/127\.0\.0\.1:\d+)/);
    return m ? m[1] : undefined;
  }, 120_000, 'prism');
  return { url, log: () => output.text, stop: () => child.kill('SIGTERM') };
}

/** The catalog file connectors/<id>.yaml with whole lines replaced (by their trimmed start). */
export function writeCatalog(dir, connector, replacements) {
  const lines = readFileSync(join(sourceDir, 'connectors', `${connector}.yaml`), 'utf8').split('\n');
  let replaced = 0;
  const out = lines.map((line) => {
    const indent = line.length - line.trimStart().length;
    for (const [startsWith, text] of replacements) {
      if (line.trimStart().startsWith(startsWith)) { replaced += 1; return ' '.repeat(indent) + text; }
    }
    return line;
  });
  if (replaced !== replacements.length) throw new Error(`connectors/${connector}.yaml changed shape`);
  const catalog = join(dir, 'catalog');
  mkdirSync(catalog, { recursive: true });
  writeFileSync(join(catalog, `${connector}.yaml`), out.join('\n'));
  return catalog;
}

/** A running `junction serve` with a known admin key; `api()` calls its REST API. */
export async function startJunction(env = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'junction-e2e-'));
  const adminKey = 'jk_' + randomBytes(32).toString('base64url');
  const logFile = join(dir, 'junction.log');
  const { child, output } = start(junctionBinary, ['serve'], {
    JUNCTION_DATA_DIR: join(dir, 'data'),
    JUNCTION_LISTEN: '127.0.0.1:0',
    JUNCTION_BOOTSTRAP_API_KEY: adminKey,
    JUNCTION_LOG_LEVEL: 'debug',
    JUNCTION_LOG_FILE: logFile,
    ASAN_OPTIONS: 'detect_leaks=1',
    ...env,
  }, dir);
  const port = await waitFor(() => {
    if (child.exitCode_ !== null) throw new Error(`junction exited (${child.exitCode_}): ${output.text}`);
    let log = '';
    try { log = readFileSync(logFile, 'utf8'); } catch { return undefined; }
    const m = log.match(/"msg":"listening".*?"port":(\d+)/);
    return m ? Number(m[1]) : undefined;
  }, 60_000, 'junction to listen');
  const base = `http://127.0.0.1:${port}`;
  const api = async (method, path, body, headers = {}) => {
    const response = await fetch(base + path, {
      method,
      headers: {
        Authorization: `Bearer ${adminKey}`,
        'x-api-version': '2025-09',
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    let json;
    try { json = JSON.parse(text); } catch { json = undefined; }
    return { status: response.status, json, text, headers: response.headers };
  };
  const stop = async () => {
    if (child.exitCode_ === null) {
      child.kill('SIGTERM');
      await waitFor(() => (child.exitCode_ !== null ? true : undefined), 30_000, 'junction to exit');
    }
    const exitCode = child.exitCode_;
    rmSync(dir, { recursive: true, force: true });
    return { exitCode, output: output.text };
  };
  return { base, port, adminKey, api, stop, log: () => { try { return readFileSync(logFile, 'utf8'); } catch { return ''; } }, dir };
}
