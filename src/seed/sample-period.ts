import type { SampleFileSpec } from './sample-file-spec';
import type { Rng } from './sample-rng';

// Dates and times inside a file's reporting period.

const DAY_MS = 86_400_000;

export interface TimeWindow {
  start: number;
  /** Exclusive: midnight after periodEnd. */
  end: number;
}

export function periodWindow(spec: SampleFileSpec): TimeWindow {
  return {
    start: Date.parse(`${spec.periodStart}T00:00:00Z`),
    end: Date.parse(`${spec.periodEnd}T00:00:00Z`) + DAY_MS,
  };
}

export function periodDays(spec: SampleFileSpec): string[] {
  const { start, end } = periodWindow(spec);
  const days: string[] = [];
  for (let t = start; t < end; t += DAY_MS) days.push(formatDate(t));
  return days;
}

export function randomTime(rng: Rng, window: TimeWindow): number {
  return window.start + rng.int(0, (window.end - window.start) / 1000 - 1) * 1000;
}

/** A later moment that still falls inside the period. */
export function laterTime(rng: Rng, from: number, window: TimeWindow, maxSeconds: number): number {
  return Math.min(from + rng.int(1, maxSeconds) * 1000, window.end - 1000);
}

export function formatDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

export function formatDateTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}
