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
