#!/usr/bin/env node
// The headline table of bench/run: one row per measurement of issues 8 and 19, each a ratio between two
// targets measured in the same run (interleaved rounds; MCP: the median of per-round ratios, as
// summarize-mcp.mjs; the others: median over median, as summarize-wrk.mjs), against its target
// where the MCP and execute issues set one (issue 19: HTTPS and plain execute ≤ 1.5× nginx's added
// latency, ≥ 95% of new upstream TLS connections resumed, MCP tools/call ≥ 50% of nginx's static
// ceiling; CPU per request beside them).
//   node summarize-run.mjs OUT_DIR
// Reads OUT_DIR/execute/{raw.jsonl,rss.json}, OUT_DIR/mcp/{raw.jsonl,rss.json},
// OUT_DIR/scale/{raw.jsonl,rss.jsonl} and OUT_DIR/micro/*.json (Google Benchmark JSON); any
// part that is missing is left out.
import fs from 'node:fs';
import path from 'node:path';

import {
  addedOver, cpuPerRequest, LIMIT, median, ms, PAIRS, resumedShare, rps, x,
} from './lib.mjs';

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

// --- execute vs nginx (plain and HTTPS) --------------------------------------------------------
const execute = jsonl('execute/raw.jsonl');
const executeLoads = [...new Set(execute.map(load))];
const added = (target, l, key) => addedOver(execute, load, target, l, key);
for (const [nginx, junction] of PAIRS.filter(([n, j]) => execute.some((r) => r.target === n) && execute.some((r) => r.target === j))) {
  const path = junction === 'execute' ? 'execute' : `${junction} (HTTPS, ${junction.endsWith('-churn') ? 'new upstream connections' : 'kept alive'})`;
  for (const l of executeLoads) {
    for (const key of ['p50_us', 'p99_us']) {
      // As summarize-wrk.mjs: median(Junction added) / median(nginx added), each added latency
      // taken against the direct run of its own round (direct-tls for the HTTPS targets).
      const j = added(junction, l, key);
      const n = added(nginx, l, key);
      if (!Number.isFinite(j)) continue;
      const ratio = j / n;
      // nginx's added latency can come out ≤ 0 under wrk's coordinated-omission correction
      // (execute_latency.sh explains): no ratio then.
      const meaningful = n > 0;
      row(`${path} added latency ${key.slice(0, 3)}, ${l}`, msUnit(j), `nginx ${msUnit(n)}`,
        meaningful ? `**${x(ratio)}**` : '— (nginx adds ≤ 0)', `≤ ${LIMIT}× nginx`,
        !meaningful ? 'n/a' : Number.isFinite(ratio) && ratio <= LIMIT ? 'yes' : '**no**');
    }
  }
}
// New upstream TLS connections: resumption, and what opening them costs the p99.
const counted = (target, l) => execute.filter((r) => r.target === target && load(r) === l && r.upstream);
const sumOf = (runs, f) => runs.reduce((a, r) => a + f(r), 0);
for (const l of executeLoads) {
  const j = counted('execute-tls-churn', l);
  const n = counted('nginx-tls-churn', l);
  if (j.length === 0) continue;
  const share = (runs) => resumedShare(runs);
  const pct = (v) => (Number.isFinite(v) ? `${(100 * v).toFixed(0)}%` : '—');
  row(`HTTPS new upstream connections resumed (churn), ${l}`,
    `${pct(share(j))} of ${sumOf(j, (r) => r.upstream.connections)}`,
    n.length > 0 ? `nginx ${pct(share(n))} of ${sumOf(n, (r) => r.upstream.connections)}` : '—', '—', '≥ 95%',
    Number.isFinite(share(j)) && share(j) >= 0.95 ? 'yes' : '**no**');
  // A stall while setting up TLS shows as the p99 of rounds that open connections over the p99
  // of rounds that keep them (same process, same load, same round).
  const p99Cost = (churn, kept) => perRound(execute, (round) => {
    const a = find(execute, churn, l, round);
    const b = find(execute, kept, l, round);
    return a && b ? a.p99_us - b.p99_us : NaN;
  });
  const jc = p99Cost('execute-tls-churn', 'execute-tls');
  const nc = p99Cost('nginx-tls-churn', 'nginx-tls');
  const signed = (us) => (us >= 0 ? `+${msUnit(us)}` : `−${msUnit(-us)}`);
  row(`HTTPS p99 of rounds opening connections − p99 kept alive, ${l}`, `${signed(jc)} (p99 ${msUnit(median(j.map((r) => r.p99_us)))})`,
    Number.isFinite(nc) ? `nginx ${signed(nc)}` : '—', '—', '≤ 1 ms (indicates no IO stall from TLS set-up)',
    Number.isFinite(jc) ? (jc <= 1000 ? 'yes' : '**no**') : '—');
}
// CPU per request of the serving process (user + system), where measured.
for (const l of executeLoads) {
  for (const [nginx, junction] of PAIRS) {
    const cpu = (target) => median(execute.filter((r) => r.target === target && load(r) === l).map(cpuPerRequest));
    const j = cpu(junction);
    if (!Number.isFinite(j)) continue;
    row(`CPU per request, ${junction}, ${l}`, `${j.toFixed(1)} µs`, `nginx ${cpu(nginx).toFixed(1)} µs`,
      x(j / cpu(nginx)), 'no target', '—');
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
  if (mcp.some((r) => r.target === 'n-static' && load(r) === l)) {
    const s = median(mcp.filter((r) => r.target === 'n-static' && load(r) === l).map(rps));
    const share = perRound(mcp, (round) => {
      const a = find(mcp, 'j-call', l, round);
      const b = find(mcp, 'n-static', l, round);
      return a && b ? rps(a) / rps(b) : NaN;
    });
    row(`MCP tools/call req/s vs nginx serving the same answer bytes, ${l}`, `${Math.round(j)} req/s`,
      `nginx static ${Math.round(s)} req/s`, `**${(100 * share).toFixed(0)}%**`,
      // autocannon (Node, one core) cannot load nginx to its ceiling: wrk's row is the figure.
      l.startsWith('wrk') ? '≥ 50% of nginx static' : '— (autocannon caps nginx: see wrk)',
      !l.startsWith('wrk') ? '—' : Number.isFinite(share) && share >= 0.5 ? 'yes' : '**no**');
    const cpu = (target) => median(mcp.filter((r) => r.target === target && load(r) === l).map(cpuPerRequest));
    if (Number.isFinite(cpu('j-call'))) {
      row(`CPU per request, MCP tools/call, ${l}`, `${cpu('j-call').toFixed(1)} µs`,
        `nginx static ${cpu('n-static').toFixed(1)} µs, Node SDK ${cpu('n-call').toFixed(1)} µs`,
        x(cpu('j-call') / cpu('n-static')), 'no target', '—');
    }
  }
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
