/** Small statistics and formatting helpers shared by the benches. */

export function median(values: number[]): number {
  if (!values.length) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Nearest-rank percentile of an ascending array (p in 0..100). */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (!sorted.length) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

export function round(value: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** 123456 → "123.5 k" */
export function kilo(value: number): string {
  return value >= 1000 ? `${round(value / 1000, 1)} k` : `${round(value, 0)}`;
}

export function mb(bytes: number): number {
  return round(bytes / 1024 / 1024, 1);
}

export function pct(ratio: number): string {
  return `${round(ratio * 100, 1)} %`;
}

/** A plain Markdown table. */
export function table(header: string[], rows: (string | number)[][]): string {
  const lines = [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`];
  for (const row of rows) lines.push(`| ${row.map(String).join(' | ')} |`);
  return lines.join('\n');
}

export function envInt(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw.replace(/_/g, ''));
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a non-negative number, got ${raw}`);
  return Math.floor(value);
}

export function envList(env: NodeJS.ProcessEnv, name: string, fallback: number[]): number[] {
  const raw = env[name];
  if (!raw) return fallback;
  return raw.split(',').map((v) => {
    const n = Number(v.trim().replace(/_/g, ''));
    if (!Number.isInteger(n) || n <= 0) throw new Error(`${name}: bad entry ${v}`);
    return n;
  });
}
