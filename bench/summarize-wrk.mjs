#!/usr/bin/env node
// Summarises the raw wrk runs of bench/execute_latency.sh (one JSON object per line) into
// Markdown tables on stdout.
//   node summarize-wrk.mjs RAW.jsonl
// Every figure is the median over the rounds. "Added" latency is computed per round against the
// direct run of the same round and connection count (the runs are interleaved; HTTPS targets
// against direct-tls: lib.mjs directOf), then the median is taken; the ratio is median(junction added) /
// median(nginx added), and the difference junction − nginx is shown beside it. Runs may carry `cpu_us` (CPU of the serving process during the run) and
// `upstream` (the upstream's new connections / resumed TLS sessions / requests during the run).
import {
  addedOver, cpuPerRequest, errors, LIMIT, median, ms, PAIRS, readJsonl, resumedShare, rps,
} from './lib.mjs';

const rows = readJsonl(process.argv[2]);

// A "load" is one tool at one connection count: the probe (sequential, uncorrected) first.
for (const r of rows) r.load = r.tool === 'probe' ? 'probe c=1' : `wrk c=${r.connections}`;
const conns = [...new Set(rows.map((r) => r.load))].sort((a, b) =>
  (a.startsWith('probe') ? -1 : 0) - (b.startsWith('probe') ? -1 : 0) ||
  Number(a.split('=')[1]) - Number(b.split('=')[1]));
const targets = [...new Set(rows.map((r) => r.target))];
const rounds = [...new Set(rows.map((r) => r.round))];
const loadOf = (r) => r.load;
const added = (target, c, key) => addedOver(rows, loadOf, target, c, key);

const label = {
  direct: 'direct → upstream',
  nginx: 'nginx proxy_pass → upstream',
  execute: 'junction POST …/execute → upstream',
  connector: 'junction GET /connectors/{id} (no upstream)',
  healthz: 'junction GET /healthz (no auth, no upstream)',
  'execute-base': 'baseline junction POST …/execute → upstream',
  'connector-base': 'baseline junction GET /connectors/{id} (no upstream)',
  'direct-tls': 'direct → TLS upstream (client speaks TLS)',
  'nginx-tls': 'nginx proxy_pass https:// → TLS upstream',
  'execute-tls': 'junction POST …/execute → TLS upstream',
  'nginx-tls-churn': 'nginx → TLS upstream closing every Nth (churn)',
  'execute-tls-churn': 'junction execute → TLS upstream closing every Nth (churn)',
};
const proxied = new Set(PAIRS.flat());
const sum = (values) => values.reduce((a, b) => a + b, 0);
const us = (v) => (Number.isFinite(v) ? v.toFixed(1) : '—');

const out = [];
out.push(`Medians over ${rounds.length} interleaved round(s); latencies in ms; "added" = target − direct ` +
  '(HTTPS targets: − direct-tls), per round, then median. CPU: user + system time of the serving process ' +
  '(nginx: master + worker; junction: all threads) per request. New conns: connections the upstream ' +
  'accepted during the run, summed over rounds (TLS: resumed sessions in brackets).');
out.push('');
out.push('| load | target | req/s | p50 | p99 | added p50 | added p99 | CPU µs/req | new conns | errors |');
out.push('|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const c of conns) {
  for (const target of targets) {
    const runs = rows.filter((r) => r.target === target && r.load === c);
    if (runs.length === 0) continue;
    const up = runs.filter((r) => r.upstream);
    const fresh = sum(up.map((r) => r.upstream.connections));
    const resumed = sum(up.map((r) => r.upstream.resumed));
    const newConns = up.length === 0 ? '—' : target.includes('-tls') ? `${fresh} (${resumed})` : `${fresh}`;
    out.push(`| ${c} | ${label[target] ?? target} | ${Math.round(median(runs.map(rps)))} | ` +
      `${ms(median(runs.map((r) => r.p50_us)))} | ${ms(median(runs.map((r) => r.p99_us)))} | ` +
      `${proxied.has(target) ? ms(added(target, c, 'p50_us')) : '—'} | ` +
      `${proxied.has(target) ? ms(added(target, c, 'p99_us')) : '—'} | ` +
      `${us(median(runs.map(cpuPerRequest)))} | ${newConns} | ${sum(runs.map(errors))} |`);
  }
}

const pairs = PAIRS.filter(([n, j]) => targets.includes(n) && targets.includes(j));
if (targets.includes('execute-base') && targets.includes('nginx')) pairs.splice(1, 0, ['nginx', 'execute-base']);
if (pairs.length > 0) {
  out.push('');
  out.push(`| load | path | nginx added p50 | junction added p50 | **ratio p50** | nginx added p99 | junction added p99 | **ratio p99** | junction − nginx p50 / p99 | ≤ ${LIMIT}× ? |`);
  out.push('|---:|---|---:|---:|---:|---:|---:|---:|---:|---|');
  for (const c of conns) for (const [nginx, execute] of pairs) {
    const n50 = added(nginx, c, 'p50_us');
    const j50 = added(execute, c, 'p50_us');
    const n99 = added(nginx, c, 'p99_us');
    const j99 = added(execute, c, 'p99_us');
    const r50 = j50 / n50;
    const r99 = j99 / n99;
    if (!Number.isFinite(j50)) continue;
    const ok = (r) => Number.isFinite(r) && r >= 0 && r <= LIMIT;
    out.push(`| ${c} | ${execute} / ${nginx} | ${ms(n50)} | ${ms(j50)} | **${r50.toFixed(1)}×** | ${ms(n99)} | ${ms(j99)} | ` +
      `**${r99.toFixed(1)}×** | ${ms(j50 - n50)} / ${ms(j99 - n99)} | p50 ${ok(r50) ? 'yes' : 'no'}, p99 ${ok(r99) ? 'yes' : 'no'} |`);
  }
}

// Rounds that open upstream connections: per round, what the proxy opened and that round's p99.
const tlsProxied = targets.filter((t) => t.includes('-tls') && proxied.has(t));
if (tlsProxied.length > 0) {
  out.push('');
  out.push('New upstream TLS connections per round (resumed %) and that round\'s p99 (ms); the ' +
    'resumption share is over all rounds of the load.');
  out.push('');
  out.push('| load | target | per round: new conns (resumed %) p99 | resumed | p99 of rounds opening conns (max) |');
  out.push('|---:|---|---|---:|---:|');
  for (const c of conns) for (const target of tlsProxied) {
    const runs = rows.filter((r) => r.target === target && r.load === c && r.upstream)
      .sort((a, b) => a.round - b.round);
    if (runs.length === 0) continue;
    const pct = (r) => (r.upstream.connections > 0 ? `${Math.round(100 * r.upstream.resumed / r.upstream.connections)}%` : '—');
    const perRound = runs.map((r) => `${r.upstream.connections} (${pct(r)}) ${ms(r.p99_us)}`).join('; ');
    const opening = runs.filter((r) => r.upstream.connections > 0);
    const share = resumedShare(runs);
    out.push(`| ${c} | ${target} | ${perRound} | ${Number.isFinite(share) ? `${(100 * share).toFixed(0)}%` : '—'} | ` +
      `${opening.length > 0 ? ms(Math.max(...opening.map((r) => r.p99_us))) : '—'} |`);
  }
}
process.stdout.write(out.join('\n') + '\n');
