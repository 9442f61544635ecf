#!/usr/bin/env node
// Summarises bench/scale.sh's raw runs into Markdown on stdout.
//   node summarize-scale.mjs RAW.jsonl RSS.jsonl SMALL LARGE (the two stored-credential counts)
// Every figure is the median over the rounds (the targets run interleaved, round by round);
// ratios are median over median.
import { errors, median, ms, readJsonl, rps, x } from './lib.mjs';

const rows = readJsonl(process.argv[2]);
const rss = process.argv[3] ? readJsonl(process.argv[3]) : [];
const stored = { '1k': Number(process.argv[4] ?? 1000), '1m': Number(process.argv[5] ?? 1000000) };
const rounds = [...new Set(rows.map((r) => r.round))];
const runs = (target, tool) => rows.filter((r) => r.target === target && r.tool === tool);
// median(b) / median(a): the two targets ran interleaved, round by round.
const pairRatio = (a, b, tool, f) => median(runs(b, tool).map(f)) / median(runs(a, tool).map(f));

const out = [];
out.push(`Medians over ${rounds.length} interleaved round(s); latencies in ms.`);
const backends = [...new Set(rows.filter((r) => r.target.startsWith('exec-')).map((r) => r.target.split('-')[1]))];
if (backends.length > 0) {
  out.push('');
  out.push(`Execute (POST …/execute → loopback upstream) with ${stored['1k'].toLocaleString('en-US')} vs ${stored['1m'].toLocaleString('en-US')} stored credentials:`);
  out.push('');
  out.push('| backend | stored | probe p50 | probe p99 | wrk req/s | wrk p50 | wrk p99 | errors |');
  out.push('|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const backend of backends) {
    for (const size of ['1k', '1m']) {
      const target = `exec-${backend}-${size}`;
      const probe = runs(target, 'probe');
      const wrk = runs(target, 'wrk');
      out.push(`| ${backend === 'pg' ? 'PostgreSQL' : 'SQLite'} | ${stored[size].toLocaleString('en-US')} | ` +
        `${ms(median(probe.map((r) => r.p50_us)))} | ${ms(median(probe.map((r) => r.p99_us)))} | ` +
        `${Math.round(median(wrk.map(rps)))} | ${ms(median(wrk.map((r) => r.p50_us)))} | ` +
        `${ms(median(wrk.map((r) => r.p99_us)))} | ${[...probe, ...wrk].map(errors).reduce((a, b) => a + b, 0)} |`);
    }
    const a = `exec-${backend}-1k`;
    const b = `exec-${backend}-1m`;
    out.push(`| ${backend === 'pg' ? 'PostgreSQL' : 'SQLite'} | **large / small** | ` +
      `**${x(pairRatio(a, b, 'probe', (r) => r.p50_us))}** | **${x(pairRatio(a, b, 'probe', (r) => r.p99_us))}** | ` +
      `**${x(pairRatio(a, b, 'wrk', rps))}** | ${x(pairRatio(a, b, 'wrk', (r) => r.p50_us))} | ` +
      `${x(pairRatio(a, b, 'wrk', (r) => r.p99_us))} | |`);
  }
}
if (rows.some((r) => r.target === 'nodes-2')) {
  const one = runs('nodes-1', 'wrk');
  const two = runs('nodes-2', 'wrk');
  const c = one[0]?.connections;
  out.push('');
  out.push(`Execute throughput on one PostgreSQL, wrk -c ${c} in total (2 nodes: c ${c / 2} per node, at once):`);
  out.push('');
  out.push('| nodes | req/s | p50 | p99 | split A / B | errors |');
  out.push('|---:|---:|---:|---:|---|---:|');
  out.push(`| 1 | ${Math.round(median(one.map(rps)))} | ${ms(median(one.map((r) => r.p50_us)))} | ` +
    `${ms(median(one.map((r) => r.p99_us)))} | — | ${one.map(errors).reduce((a, b) => a + b, 0)} |`);
  out.push(`| 2 | ${Math.round(median(two.map(rps)))} | ${ms(median(two.map((r) => r.p50_us)))} | ` +
    `${ms(median(two.map((r) => r.p99_us)))} | ${two.map((r) => `${r.node_a_requests}/${r.node_b_requests}`).join(', ')} | ` +
    `${two.map(errors).reduce((a, b) => a + b, 0)} |`);
  out.push(`| **2 / 1** | **${x(pairRatio('nodes-1', 'nodes-2', 'wrk', rps))}** | | | | |`);
}
if (rss.length > 0) {
  out.push('');
  out.push('RSS per junction process (MiB): idle after setup, after the rounds, peak (VmHWM):');
  out.push('');
  out.push('| junction | idle | after load | peak |');
  out.push('|---|---:|---:|---:|');
  const mib = (kib) => (kib / 1024).toFixed(1);
  for (const r of rss) out.push(`| ${r.name} | ${mib(r.idle_kib)} | ${mib(r.loaded_kib)} | ${mib(r.peak_kib)} |`);
}
console.log(out.join('\n'));
