const UNIT_SECONDS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400 };

/** '15m' → 900, '7d' → 604800, '900' → 900 (seconds). */
export function durationToSeconds(value: string): number {
  const match = /^(\d+)(ms|s|m|h|d)?$/.exec(value);
  if (!match) throw new Error(`invalid duration: ${value}`);
  return Math.max(1, Math.round(Number(match[1]) * UNIT_SECONDS[match[2] ?? 's']));
}
