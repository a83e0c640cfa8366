/**
 * Summarises a V8 `.cpuprofile` (from `node --cpu-prof` or the inspector): self time by function, self time
 * by file/package, and inclusive time of chosen functions — each as a share of the profile's wall time.
 *
 * Run directly: node -r ts-node/register/transpile-only bench/lib/cpu-profile.ts FILE.cpuprofile [top]
 */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { REPO_ROOT } from './bench-env';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileEntry {
  name: string;
  ms: number;
  share: number;
}

export interface ProfileSummary {
  totalMs: number;
  /** Share of the profile where the thread was idle (waiting on I/O: the database, the file). */
  idleShare: number;
  gcShare: number;
  selfByFunction: ProfileEntry[];
  selfByFile: ProfileEntry[];
  /** Inclusive time of every function, by name@file:line (top entries). */
  inclusive: ProfileEntry[];
}

/** `roots`: directories to show paths relative to (e.g. the compiled-children dir); the repository is always one. */
export function summariseProfile(path: string, top = 25, roots: string[] = []): ProfileSummary {
  ROOTS = [...roots, REPO_ROOT];
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const node of profile.nodes) {
    byId.set(node.id, node);
    for (const child of node.children ?? []) parent.set(child, node.id);
  }
  const self = new Map<string, number>();
  const file = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let total = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const ms = (profile.timeDeltas[i] ?? 0) / 1000;
    if (ms <= 0) continue;
    total += ms;
    const node = byId.get(profile.samples[i]);
    if (!node) continue;
    add(self, functionKey(node.callFrame), ms);
    add(file, fileKey(node.callFrame), ms);
    const seen = new Set<string>();
    for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
      const key = functionKey((byId.get(id) as ProfileNode).callFrame);
      if (seen.has(key)) continue;
      seen.add(key);
      add(inclusive, key, ms);
    }
  }
  const entries = (m: Map<string, number>): ProfileEntry[] =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, ms]) => ({ name, ms: Math.round(ms), share: total ? ms / total : 0 }));
  return {
    totalMs: Math.round(total),
    idleShare: (self.get('(idle)') ?? 0) / total,
    gcShare: (self.get('(garbage collector)') ?? 0) / total,
    selfByFunction: entries(self),
    selfByFile: entries(file),
    inclusive: entries(inclusive).filter((e) => !e.name.startsWith('(root)')),
  };
}

function add(m: Map<string, number>, key: string, ms: number): void {
  m.set(key, (m.get(key) ?? 0) + ms);
}

let ROOTS: string[] = [REPO_ROOT];

function shortUrl(url: string): string {
  if (!url) return '';
  const path = url.startsWith('file://') ? url.slice('file://'.length) : url;
  if (!path.startsWith('/')) return path;
  const root = ROOTS.find((r) => path.startsWith(`${r}/`));
  return root ? relative(root, path) : path;
}

function functionKey(frame: CallFrame): string {
  const name = frame.functionName || '(anonymous)';
  if (!frame.url) return name;
  return `${name} ${shortUrl(frame.url)}:${frame.lineNumber + 1}`;
}

/** node_modules/<package>, node:internal, or the repository file. */
function fileKey(frame: CallFrame): string {
  if (!frame.url) return frame.functionName || '(native)';
  const url = shortUrl(frame.url);
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return `node_modules/${rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]}`;
  }
  if (url.startsWith('node:')) return 'node:internal';
  return url;
}

export function formatSummary(title: string, s: ProfileSummary, rows = 15): string {
  const pct = (x: number): string => `${(x * 100).toFixed(1)} %`;
  const lines = [
    `### ${title}`,
    `profile ${s.totalMs} ms; idle ${pct(s.idleShare)}, GC ${pct(s.gcShare)}`,
    '',
    'self time by package/file:',
    ...s.selfByFile.slice(0, rows).map((e) => `  ${pct(e.share).padStart(7)}  ${e.ms} ms  ${e.name}`),
    '',
    'self time by function:',
    ...s.selfByFunction.slice(0, rows).map((e) => `  ${pct(e.share).padStart(7)}  ${e.ms} ms  ${e.name}`),
    '',
    'inclusive time (top):',
    ...s.inclusive.slice(0, rows + 10).map((e) => `  ${pct(e.share).padStart(7)}  ${e.ms} ms  ${e.name}`),
  ];
  return lines.join('\n');
}

if (require.main === module) {
  const [path, top] = process.argv.slice(2);
  if (!path) {
    console.error('usage: cpu-profile.ts FILE.cpuprofile [top]');
    process.exit(2);
  }
  console.log(formatSummary(path, summariseProfile(path, Number(top ?? 40)), Number(top ?? 40)));
}
