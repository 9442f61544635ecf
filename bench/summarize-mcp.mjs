#!/usr/bin/env node
// Summarises the raw runs of bench/mcp_throughput.sh (one JSON object per line, latencies in µs)
// into a Markdown table on stdout.
//   node summarize-mcp.mjs RAW.jsonl
// Every figure is the median over the rounds. The ratio Junction/Node is computed per round
// between the Junction target and its Node counterpart run with the same tool in the same round
// (j-call / n-call, j-list / n-list), then the median is taken; j-call's req/s as a share of
// nginx's static ceiling (n-static: the same POST answered with j-call's bytes) likewise. CPU:
// µs of user + system time of the serving process per request (runs with `cpu_us`).
import { cpuPerRequest, errors, median, ms, readJsonl, rps } from './lib.mjs';

const rows = readJsonl(process.argv[2]);

const label = {
  'j-call': 'junction tools/call list_connectors_alloy',
  'n-call': 'node SDK tools/call echo',
  'j-list': 'junction tools/list',
  'n-list': 'node SDK tools/list',
  'j-discover': 'junction tools/call discover_action_path_alloy "create a github issue"',
  'j-healthz': 'junction GET /healthz (HTTP floor, no auth, no MCP)',
  'n-static': 'nginx static: j-call\'s answer bytes for the same POST',
};
const counterpart = { 'j-call': 'n-call', 'j-list': 'n-list' };
const ceiling = { 'j-call': 'n-static' };
const loadName = (r) => (r.tool === 'probe' ? 'probe c=1' : `${r.tool} c=${r.connections}`);
for (const r of rows) r.load = loadName(r);
const order = ['probe', 'autocannon', 'wrk'];
const loads = [...new Set(rows.map((r) => r.load))]
  .sort((a, b) => order.indexOf(a.split(' ')[0]) - order.indexOf(b.split(' ')[0]));
const targets = Object.keys(label).filter((t) => rows.some((r) => r.target === t));
const rounds = [...new Set(rows.map((r) => r.round))];
const find = (target, load, round) => rows.find((r) => r.target === target && r.load === load && r.round === round);
const ratioOver = (target, other, load) => (other
  ? median(rounds.map((round) => {
    const a = find(target, load, round);
    const b = find(other, load, round);
    return a && b ? rps(a) / rps(b) : NaN;
  }))
  : NaN);
const showRatio = (r, asShare) => (!Number.isFinite(r) ? '—' : asShare ? `**${(100 * r).toFixed(0)}%**` : `**${r.toFixed(2)}×**`);

console.log('| load | target | req/s | p50 ms | p99 ms | CPU µs/req | errors | req/s Junction/Node | Junction / nginx static |');
console.log('|---|---|---:|---:|---:|---:|---:|---:|---:|');
for (const load of loads) {
  for (const target of targets) {
    const runs = rows.filter((r) => r.target === target && r.load === load);
    if (runs.length === 0) continue;
    const cpu = median(runs.map(cpuPerRequest));
    const perRound = runs.map((r) => Math.round(rps(r))).join(' / ');
    console.log(`| ${load} | ${label[target]} | ${Math.round(median(runs.map(rps)))} (${perRound}) | ` +
      `${ms(median(runs.map((r) => r.p50_us)))} | ${ms(median(runs.map((r) => r.p99_us)))} | ` +
      `${Number.isFinite(cpu) ? cpu.toFixed(1) : '—'} | ${runs.reduce((s, r) => s + errors(r), 0)} | ` +
      `${showRatio(ratioOver(target, counterpart[target], load), false)} | ` +
      `${showRatio(ratioOver(target, ceiling[target], load), true)} |`);
  }
}
console.log();
console.log('req/s: median over rounds (each round in brackets). Latencies: median over rounds of each run\'s ' +
  'percentile; autocannon rounds to whole ms, the probe (one connection, sequential, every request timed, ' +
  'Python client ~50 µs included) is exact.');
