#!/usr/bin/env node
// Summarises the raw wrk runs of bench/execute_latency.sh (one JSON object per line) into
// Markdown tables on stdout.
//   node summarize-wrk.mjs RAW.jsonl
// Every figure is the median over the rounds. "Added" latency is computed per round against the
// direct run of the same round and connection count (the runs are interleaved), then the median
// is taken; the ratio is median(junction added) / median(nginx added).
import { errors, median, ms, readJsonl, rps } from './lib.mjs';

const rows = readJsonl(process.argv[2]);

// A "load" is one tool at one connection count: the probe (sequential, uncorrected) first.
for (const r of rows) r.load = r.tool === 'probe' ? 'probe c=1' : `wrk c=${r.connections}`;
const conns = [...new Set(rows.map((r) => r.load))].sort((a, b) =>
  (a.startsWith('probe') ? -1 : 0) - (b.startsWith('probe') ? -1 : 0) ||
  Number(a.split('=')[1]) - Number(b.split('=')[1]));
const targets = [...new Set(rows.map((r) => r.target))];
const rounds = [...new Set(rows.map((r) => r.round))];
const find = (target, c, round) => rows.find((r) => r.target === target && r.load === c && r.round === round);
const added = (target, c, key) =>
  median(rounds.map((round) => {
    const t = find(target, c, round);
    const d = find('direct', c, round);
    return t && d ? t[key] - d[key] : NaN;
  }));

const label = {
  direct: 'direct → upstream',
  nginx: 'nginx proxy_pass → upstream',
  execute: 'junction POST …/execute → upstream',
  connector: 'junction GET /connectors/{id} (no upstream)',
  healthz: 'junction GET /healthz (no auth, no upstream)',
  'execute-base': 'baseline junction POST …/execute → upstream',
  'connector-base': 'baseline junction GET /connectors/{id} (no upstream)',
};

const out = [];
out.push(`Medians over ${rounds.length} interleaved round(s); latencies in ms; "added" = target − direct, per round, then median.`);
out.push('');
out.push('| load | target | req/s | p50 | p99 | added p50 | added p99 | errors |');
out.push('|---:|---|---:|---:|---:|---:|---:|---:|');
for (const c of conns) {
  for (const target of targets) {
    const runs = rows.filter((r) => r.target === target && r.load === c);
    if (runs.length === 0) continue;
    const upstreamCall = target === 'nginx' || target === 'execute' || target === 'execute-base';
    out.push(`| ${c} | ${label[target] ?? target} | ${Math.round(median(runs.map(rps)))} | ` +
      `${ms(median(runs.map((r) => r.p50_us)))} | ${ms(median(runs.map((r) => r.p99_us)))} | ` +
      `${upstreamCall ? ms(added(target, c, 'p50_us')) : '—'} | ` +
      `${upstreamCall ? ms(added(target, c, 'p99_us')) : '—'} | ${runs.map(errors).reduce((a, b) => a + b, 0)} |`);
  }
}
if (targets.includes('nginx') && targets.includes('execute')) {
  out.push('');
  out.push('| load | nginx added p50 | junction added p50 | **ratio p50** | nginx added p99 | junction added p99 | **ratio p99** | ≤ 2× ? |');
  out.push('|---:|---:|---:|---:|---:|---:|---:|---|');
  const junctions = targets.includes('execute-base') ? ['execute-base', 'execute'] : ['execute'];
  for (const c of conns) for (const execute of junctions) {
    const n50 = added('nginx', c, 'p50_us');
    const j50 = added(execute, c, 'p50_us');
    const n99 = added('nginx', c, 'p99_us');
    const j99 = added(execute, c, 'p99_us');
    const r50 = j50 / n50;
    const r99 = j99 / n99;
    const ok = (r) => Number.isFinite(r) && r >= 0 && r <= 2;
    const who = execute === 'execute' ? '' : ' (baseline)';
    out.push(`| ${c}${who} | ${ms(n50)} | ${ms(j50)} | **${r50.toFixed(1)}×** | ${ms(n99)} | ${ms(j99)} | ` +
      `**${r99.toFixed(1)}×** | p50 ${ok(r50) ? 'yes' : 'no'}, p99 ${ok(r99) ? 'yes' : 'no'} |`);
  }
}
process.stdout.write(out.join('\n') + '\n');
