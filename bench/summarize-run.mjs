#!/usr/bin/env node
// The headline table of bench/run: one row per measurement of issue 8, each a ratio between two
// targets measured in the same run (interleaved rounds; MCP: the median of per-round ratios, as
// summarize-mcp.mjs; the others: median over median, as summarize-wrk.mjs), against its target
// where the MCP and execute issues set one.
//   node summarize-run.mjs OUT_DIR
// Reads OUT_DIR/execute/{raw.jsonl,rss.json}, OUT_DIR/mcp/{raw.jsonl,rss.json},
// OUT_DIR/scale/{raw.jsonl,rss.jsonl} and OUT_DIR/micro/*.json (Google Benchmark JSON); any
// part that is missing is left out.
import fs from 'node:fs';
import path from 'node:path';

import { median, ms, rps, x } from './lib.mjs';

const dir = process.argv[2];
const read = (file) => (fs.existsSync(path.join(dir, file)) ? fs.readFileSync(path.join(dir, file), 'utf8') : null);
const jsonl = (file) => (read(file) ?? '').split('\n').filter(Boolean).map((l) => JSON.parse(l));
const msUnit = (us) => (Number.isFinite(us) ? `${ms(us)} ms` : '—');
const mib = (kib) => `${(kib / 1024).toFixed(1)} MiB`;
const load = (r) => (r.tool === 'probe' ? 'probe c=1' : `${r.tool} c=${r.connections}`);
// The median over rounds of f(round) where both runs exist.
const perRound = (rows, f) => median([...new Set(rows.map((r) => r.round))].map(f));
const find = (rows, target, l, round) =>
  rows.find((r) => r.target === target && load(r) === l && r.round === round);

const table = [];
const row = (what, junction, peer, ratio, target, met) =>
  table.push(`| ${what} | ${junction} | ${peer} | ${ratio} | ${target} | ${met} |`);

// --- execute vs nginx ---------------------------------------------------------------------------
const execute = jsonl('execute/raw.jsonl');
for (const l of [...new Set(execute.map(load))]) {
  for (const key of ['p50_us', 'p99_us']) {
    const added = (target) => perRound(execute, (round) => {
      const t = find(execute, target, l, round);
      const d = find(execute, 'direct', l, round);
      return t && d ? t[key] - d[key] : NaN;
    });
    // As summarize-wrk.mjs: median(Junction added) / median(nginx added), each added latency
    // taken against the direct run of its own round.
    const ratio = added('execute') / added('nginx');
    const p = key.slice(0, 3);
    // nginx's added latency can come out ≤ 0 under wrk's coordinated-omission correction
    // (execute_latency.sh explains): no ratio then.
    const meaningful = added('nginx') > 0;
    row(`execute added latency ${p}, ${l}`, msUnit(added('execute')), `nginx ${msUnit(added('nginx'))}`,
      meaningful ? `**${x(ratio)}**` : '— (nginx adds ≤ 0)', '≤ 2× nginx',
      !meaningful ? 'n/a' : Number.isFinite(ratio) && ratio <= 2 ? 'yes' : '**no**');
  }
}

// --- MCP ------------------------------------------------------------------------------------------
const mcp = jsonl('mcp/raw.jsonl');
for (const l of [...new Set(mcp.filter((r) => r.target === 'j-call' && r.tool !== 'probe').map(load))]) {
  const j = median(mcp.filter((r) => r.target === 'j-call' && load(r) === l).map(rps));
  const n = median(mcp.filter((r) => r.target === 'n-call' && load(r) === l).map(rps));
  const ratio = perRound(mcp, (round) => {
    const a = find(mcp, 'j-call', l, round);
    const b = find(mcp, 'n-call', l, round);
    return a && b ? rps(a) / rps(b) : NaN;
  });
  row(`MCP tools/call req/s, ${l}`, `${Math.round(j)} req/s`, `Node SDK ${Math.round(n)} req/s`, `**${x(ratio)}**`,
    '≥ 5× Node', Number.isFinite(ratio) && ratio >= 5 ? 'yes' : '**no**');
}
const mcpRss = read('mcp/rss.json') ? JSON.parse(read('mcp/rss.json')) : null;
const discover = mcp.filter((r) => r.target === 'j-discover' && r.tool === 'probe');
if (discover.length > 0) {
  const healthz = mcp.filter((r) => r.target === 'j-healthz' && r.tool === 'probe');
  const server = median(discover.map((r) => r.p50_us)) - median(healthz.map((r) => r.p50_us));
  row(`discovery (discover_action_path_alloy) on a ${mcpRss?.catalog_actions ?? '?'}-action connector, probe c=1`,
    `p50 ${msUnit(median(discover.map((r) => r.p50_us)))}, p99 ${msUnit(median(discover.map((r) => r.p99_us)))}`,
    healthz.length > 0 ? `GET /healthz p50 ${msUnit(median(healthz.map((r) => r.p50_us)))}` : '—',
    `p50 +${msUnit(server)} over /healthz`, '< 1 ms server time', Number.isFinite(server) && server < 1000 ? 'yes' : '**no**');
}

// --- scale ----------------------------------------------------------------------------------------
const scale = jsonl('scale/raw.jsonl');
const sizes = read('scale/sizes.json') ? JSON.parse(read('scale/sizes.json')) : { small: 1000, large: 1000000 };
for (const backend of ['sqlite', 'pg']) {
  const a = `exec-${backend}-1k`;
  const b = `exec-${backend}-1m`;
  if (!scale.some((r) => r.target === b)) continue;
  const ratio = (l, f) => {
    const of = (target) => median(scale.filter((r) => r.target === target && load(r) === l).map(f));
    return of(b) / of(a);
  };
  const probe = (target, key) => median(scale.filter((r) => r.target === target && r.tool === 'probe').map((r) => r[key]));
  const name = backend === 'pg' ? 'PostgreSQL' : 'SQLite';
  row(`execute latency, ${sizes.large.toLocaleString('en-US')} vs ${sizes.small.toLocaleString('en-US')} stored credentials (${name}), probe c=1`,
    `p50 ${msUnit(probe(b, 'p50_us'))}, p99 ${msUnit(probe(b, 'p99_us'))}`,
    `p50 ${msUnit(probe(a, 'p50_us'))}, p99 ${msUnit(probe(a, 'p99_us'))}`,
    `p50 **${x(ratio('probe c=1', (r) => r.p50_us))}**, p99 **${x(ratio('probe c=1', (r) => r.p99_us))}**`, '≈ 1× (no target)', '—');
}
if (scale.some((r) => r.target === 'nodes-2')) {
  const one = scale.filter((r) => r.target === 'nodes-1');
  const two = scale.filter((r) => r.target === 'nodes-2');
  const ratio = median(two.map(rps)) / median(one.map(rps));
  row(`execute throughput, 2 vs 1 nodes on one PostgreSQL, wrk c=${one[0].connections} in total`,
    `2 nodes ${Math.round(median(two.map(rps)))} req/s`, `1 node ${Math.round(median(one.map(rps)))} req/s`,
    `**${x(ratio)}**`, 'no target (2 cores shared by every process)', '—');
}

// --- RSS ------------------------------------------------------------------------------------------
const rssRows = [];
const executeRss = read('execute/rss.json') ? JSON.parse(read('execute/rss.json')) : null;
if (executeRss) rssRows.push(['execute bench (SQLite, 1 credential)', executeRss]);
if (mcpRss) rssRows.push([`MCP bench (SQLite, catalog + ${mcpRss.catalog_actions}-action GitHub)`, mcpRss]);
for (const r of jsonl('scale/rss.jsonl')) rssRows.push([`scale ${r.name}`, r]);
for (const [what, r] of rssRows) {
  row(`RSS ${what}`, `idle ${mib(r.idle_kib)}, after load ${mib(r.loaded_kib)}`, '—', `peak ${mib(r.peak_kib)}`, '—', '—');
}

console.log('| measurement | Junction | peer / baseline | ratio | target | met |');
console.log('|---|---|---|---|---|---|');
console.log(table.join('\n'));

// --- micro-benchmarks -----------------------------------------------------------------------------
const microDir = path.join(dir, 'micro');
if (fs.existsSync(microDir)) {
  console.log('');
  console.log('Micro-benchmarks (Google Benchmark, CPU time per iteration):');
  console.log('');
  console.log('| benchmark | time | iterations |');
  console.log('|---|---:|---:|');
  for (const file of fs.readdirSync(microDir).filter((f) => f.endsWith('.json')).sort()) {
    const report = JSON.parse(fs.readFileSync(path.join(microDir, file), 'utf8'));
    for (const b of report.benchmarks.filter((b) => b.run_type === 'iteration')) {
      const ns = b.cpu_time * ({ ns: 1, us: 1e3, ms: 1e6, s: 1e9 }[b.time_unit] ?? 1);
      const time = ns >= 1e6 ? `${(ns / 1e6).toFixed(2)} ms` : ns >= 1e3 ? `${(ns / 1e3).toFixed(2)} µs` : `${ns.toFixed(1)} ns`;
      console.log(`| ${file.replace(/\.json$/, '')} ${b.name} | ${time} | ${b.iterations} |`);
    }
  }
}
