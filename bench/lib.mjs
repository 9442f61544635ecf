// Shared helpers of the bench/summarize-*.mjs scripts: reading raw runs and the figures every
// table prints the same way.
import fs from 'node:fs';

/** The JSON objects of a JSON-lines file (one per non-empty line). */
export const readJsonl = (file) =>
  fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));

/** The median of the finite values; NaN when there are none. */
export const median = (values) => {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const m = Math.floor(v.length / 2);
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
};

/** Requests per second of one run. */
export const rps = (r) => r.requests / (r.duration_us / 1e6);

/** Microseconds as milliseconds with three decimals; '—' when not a number. */
export const ms = (us) => (Number.isFinite(us) ? (us / 1000).toFixed(3) : '—');

/** A ratio as "1.23×"; '—' when not a number. */
export const x = (r) => (Number.isFinite(r) ? `${r.toFixed(2)}×` : '—');

/** Failed requests of one run, whichever tool counted them (wrk, autocannon, the probe). */
export const errors = (r) =>
  ['err_connect', 'err_read', 'err_write', 'err_status', 'err_timeout', 'err_other']
    .reduce((sum, k) => sum + (r[k] ?? 0), 0);

/** Issue 19's bound on Junction's added latency, as a multiple of nginx's (plain and HTTPS). */
export const LIMIT = 1.5;

/** [nginx target, junction target] pairs of bench/execute_latency.sh, compared by added latency. */
export const PAIRS = [
  ['nginx', 'execute'],
  ['nginx-tls', 'execute-tls'],
  ['nginx-tls-churn', 'execute-tls-churn'],
];

/**
 * The direct target a proxied target's added latency is taken over: what the client would pay
 * calling that upstream itself, over TLS for the HTTPS targets (direct-tls). On a loaded machine
 * the client's own TLS (Python's ssl in the probe, wrk's) can outweigh nginx's hop, and an
 * HTTPS added latency comes out ≤ 0: the Junction − nginx difference beside each ratio does not
 * depend on the baseline.
 */
export const directOf = (target) => (target.includes('-tls') ? 'direct-tls' : 'direct');

/**
 * Median over rounds of (target − its direct target) for `key` (e.g. 'p99_us') at load `l`,
 * each against the direct run of its own round; `loadOf(row)` names a row's load.
 */
export const addedOver = (rows, loadOf, target, l, key) =>
  median([...new Set(rows.map((r) => r.round))].map((round) => {
    const find = (t) => rows.find((r) => r.target === t && loadOf(r) === l && r.round === round);
    const t = find(target);
    const d = find(directOf(target));
    return t && d ? t[key] - d[key] : NaN;
  }));

/** CPU microseconds per request of one run (NaN when the run carries no `cpu_us`). */
export const cpuPerRequest = (r) => (Number.isFinite(r.cpu_us) && r.requests > 0 ? r.cpu_us / r.requests : NaN);

/** Resumed TLS sessions / new upstream connections over runs carrying `upstream` counters. */
export const resumedShare = (runs) => {
  const up = runs.filter((r) => r.upstream);
  const fresh = up.reduce((s, r) => s + r.upstream.connections, 0);
  return fresh > 0 ? up.reduce((s, r) => s + r.upstream.resumed, 0) / fresh : NaN;
};
