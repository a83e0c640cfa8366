/**
 * The Dockerfile read for scripts/image-dry-run.sh, which replays the image without a Docker daemon.
 *
 *   plan <Dockerfile>                         the Dockerfile as shell calls the script defines, one per instruction
 *   copy-context <context> <ignore> <target> <src>...   one `COPY <src>... <dest>` from the build context
 *
 * The plan covers exactly what the script knows how to replay. Anything else — a new instruction, a COPY or RUN
 * flag, a wildcard or variable, a RUN that would change the host (anything but creating the service account and
 * its data directory), an entry missing from the header comments — stops the dry run with the line that
 * changed, so a Dockerfile change cannot leave the dry run silently replaying an older image.
 */
import { cpSync, existsSync, readFileSync, statSync } from 'node:fs';
import { basename, isAbsolute, join, normalize, relative, resolve } from 'node:path';

export interface Instruction {
  keyword: string;
  args: string;
  /** 1-based line of the instruction's first line. */
  line: number;
}

/** One call in the plan: a function of image-dry-run.sh and its arguments. */
export interface Step {
  verb: string;
  args: string[];
}

export class ReplayError extends Error {
  constructor(readonly problems: string[]) {
    super(`the image dry run cannot replay this Dockerfile:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ReplayError';
  }
}

/** Instructions with continuation lines joined and comments dropped. */
export function dockerInstructions(text: string): Instruction[] {
  const instructions: Instruction[] = [];
  let current = '';
  let start = 0;
  text.split('\n').forEach((raw, index) => {
    if (/^\s*#/.test(raw)) return; // a comment, also inside a continuation
    if (!current) start = index + 1;
    const continued = /\\\s*$/.test(raw);
    current += `${raw.replace(/\\\s*$/, '')} `;
    if (continued) return;
    const line = current.trim();
    current = '';
    if (!line) return;
    const keyword = line.split(/\s+/)[0];
    instructions.push({ keyword: keyword.toUpperCase(), args: line.slice(keyword.length).trim(), line: start });
  });
  return instructions;
}

export interface Entry {
  name: string;
  /** `-e NAME=value` of the documented `docker run`. */
  env: string[];
  /** The command after the image; empty for the image's CMD. */
  command: string[];
}

/** The `docker run` lines of the header comment: `#   worker   docker run ... -e K=V image:tag command...`. */
export function headerEntries(text: string): Entry[] {
  const entries: Entry[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('#')) break;
    const match = /^#\s+(\w+)\s+docker run\s+(.*)$/.exec(line);
    if (!match) continue;
    const words = match[2].trim().split(/\s+/);
    const env: string[] = [];
    let i = 0;
    for (; i < words.length; i++) {
      if (words[i] === '...') continue;
      if (words[i] === '-e') env.push(words[++i]);
      else break;
    }
    entries.push({ name: match[1].toLowerCase(), env, command: words.slice(i + 1) });
  }
  return entries;
}

const ENTRIES = ['api', 'worker', 'migrate'];
const SETUP_COMMANDS = new Set(['groupadd', 'useradd', 'mkdir', 'chown']);

/** The Dockerfile as steps of image-dry-run.sh; throws a ReplayError naming every line it cannot replay. */
export function replayPlan(text: string): Step[] {
  const steps: Step[] = [];
  const problems: string[] = [];
  const args = new Map<string, string>();
  const stages: string[] = [];
  const groups = new Map<string, string>();
  const users = new Map<string, { uid: string; gid: string }>();
  const step = (verb: string, ...stepArgs: string[]) => steps.push({ verb, args: stepArgs });

  for (const { keyword, args: rest, line } of dockerInstructions(text)) {
    const fail = (why: string) => problems.push(`line ${line}: ${keyword} ${rest}: ${why}`);
    const stage = stages.at(-1);
    if (keyword !== 'ARG' && keyword !== 'FROM' && !stage) {
      fail('before the first FROM');
      continue;
    }
    step('at', String(line), `${keyword} ${rest}`.replace(/\s+/g, ' '));
    switch (keyword) {
      case 'ARG': {
        const arg = /^(\w+)=(\S+)$/.exec(rest);
        if (stage || !arg) fail('only ARG NAME=default before the first FROM is replayed');
        else args.set(arg[1], arg[2]);
        break;
      }
      case 'FROM': {
        const from = /^(\S+)\s+AS\s+(\w+)$/i.exec(rest);
        const image = from?.[1].replace(/^\$\{(\w+)\}$/, (_, name: string) => args.get(name) ?? `\${${name}}`);
        if (!from || !image || image.includes('$')) fail('expected FROM <image or ${ARG}> AS <stage>');
        else if (!/^node:\d+/.test(image)) fail('the replay runs a Node binary: the base image must be node:<version>');
        else {
          stages.push(from[2]);
          step('stage', from[2], image);
        }
        break;
      }
      case 'WORKDIR':
        if (!/^\/[\w./-]*$/.test(rest)) fail('expected an absolute path without variables');
        else step('workdir', rest);
        break;
      case 'ENV':
        for (const pair of rest.split(/\s+/)) {
          const env = /^(\w+)=([^\s"'$\\]*)$/.exec(pair);
          if (!env) fail(`cannot read ${JSON.stringify(pair)} (expected NAME=value, unquoted, no variables)`);
          else step('env', env[1], env[2]);
        }
        break;
      case 'COPY': {
        const words = rest.split(/\s+/);
        const flags = words.filter((w) => w.startsWith('--'));
        const paths = words.filter((w) => !w.startsWith('--'));
        const from = flags.length === 1 ? /^--from=(\w+)$/.exec(flags[0])?.[1] : undefined;
        if (flags.length > 1 || (flags.length === 1 && !from)) fail('only --from=<stage> is replayed');
        else if (rest.startsWith('[') || paths.length < 2) fail('expected COPY [--from=stage] <src>... <dest>');
        else if (paths.some((p) => /[*?[\]$]/.test(p))) fail('wildcards and variables are not replayed');
        else if (from && !stages.includes(from)) fail(`no earlier stage ${from}`);
        else if (paths.length > 2 && !paths.at(-1)!.endsWith('/'))
          fail('several sources need a destination ending in /');
        else step(from ? 'copy_from' : 'copy_context', ...(from ? [from] : []), paths.at(-1)!, ...paths.slice(0, -1));
        break;
      }
      case 'RUN': {
        const mounts: string[] = [];
        let command = rest;
        for (let flag = /^(--\S+)\s+/.exec(command); flag; flag = /^(--\S+)\s+/.exec(command)) {
          mounts.push(flag[1]);
          command = command.slice(flag[0].length);
        }
        // A cache mount keeps the package manager's cache between builds: the host's own cache plays that part.
        if (mounts.some((m) => !/^--mount=type=cache,target=\/[\w./-]+$/.test(m))) {
          fail('only --mount=type=cache,target=<path> is replayed');
          break;
        }
        if (command.startsWith('[')) {
          fail('exec-form RUN is not replayed');
          break;
        }
        const parts = command.split(/\s*&&\s*/).map((part) => part.split(/\s+/));
        const setup = parts.filter((words) => SETUP_COMMANDS.has(words[0]));
        if (setup.length === 0) step('run', command);
        else if (setup.length < parts.length) fail(`mixes account/directory set-up with other commands`);
        else if (!/^[\w\s./:=&-]+$/.test(command)) fail('account set-up with shell syntax beyond && is not replayed');
        else for (const words of setup) setupStep(words, { groups, users, step, fail });
        break;
      }
      case 'USER': {
        const [user, group] = rest.split(':');
        const uid = users.get(user)?.uid ?? user;
        const gid = group === undefined ? users.get(user)?.gid : (groups.get(group) ?? group);
        if (!/^\d+$/.test(uid) || !gid || !/^\d+$/.test(gid)) fail('expected a known user and group, or uid:gid');
        else step('user', uid, gid);
        break;
      }
      case 'VOLUME': {
        const volumes = rest.startsWith('[') ? (JSON.parse(rest) as string[]) : rest.split(/\s+/);
        if (volumes.some((v) => !v.startsWith('/'))) fail('expected absolute paths');
        else step('volume', ...volumes);
        break;
      }
      case 'EXPOSE':
        if (!/^\d+(\s+\d+)*$/.test(rest)) fail('expected port numbers (tcp)');
        else step('expose', ...rest.split(/\s+/));
        break;
      case 'STOPSIGNAL':
        if (!/^SIG[A-Z0-9]+$/.test(rest)) fail('expected a signal name');
        else step('stopsignal', rest);
        break;
      case 'HEALTHCHECK': {
        const check = /^((?:--\w[\w-]*=\S+\s+)*)CMD\s+(\[.*\])$/.exec(rest);
        const options = Object.fromEntries(
          (check?.[1].trim().split(/\s+/).filter(Boolean) ?? []).map((o) => o.slice(2).split('=')),
        ) as Record<string, string>;
        const seconds = (name: string, fallback: string) => /^(\d+)s$/.exec(options[name] ?? fallback)?.[1];
        const timing = [seconds('interval', '30s'), seconds('timeout', '30s'), seconds('start-period', '0s')];
        const retries = options.retries ?? '3';
        const command = check ? jsonCommand(check[2]) : undefined;
        if (!check || !command) fail('expected HEALTHCHECK [--option=value]... CMD ["exec", "form"]');
        else if (timing.some((t) => t === undefined) || !/^\d+$/.test(retries)) fail('durations in whole seconds');
        else step('healthcheck', ...(timing as string[]), retries, ...command);
        break;
      }
      case 'CMD': {
        const command = jsonCommand(rest);
        if (!command) fail('expected the exec form CMD ["…"]');
        else step('cmd', ...command);
        break;
      }
      case 'LABEL':
        break; // metadata only
      default:
        fail('not replayed by scripts/image-dry-run.sh (teach it, or the dry run no longer matches the image)');
    }
  }

  // The documented ways to run the image, from the header comment.
  const entries = headerEntries(text);
  for (const name of ENTRIES) {
    const entry = entries.find((e) => e.name === name);
    if (!entry) {
      problems.push(`header comment: no "#   ${name}  docker run ..." line`);
      continue;
    }
    for (const env of entry.env) {
      if (!/^\w+=[^\s"'$\\]*$/.test(env)) problems.push(`header comment, ${name}: cannot read -e ${env}`);
      else step('entry_env', name, env);
    }
    step('entry', name, ...entry.command);
  }
  if (stages.length < 1) problems.push('no stage');
  if (problems.length) throw new ReplayError(problems);
  return steps;
}

interface SetupContext {
  groups: Map<string, string>;
  users: Map<string, { uid: string; gid: string }>;
  step: (verb: string, ...args: string[]) => void;
  fail: (why: string) => void;
}

/** groupadd / useradd / mkdir -p / chown, the set-up a runtime stage does as root: replayed, never run on the host. */
function setupStep(words: string[], { groups, users, step, fail }: SetupContext): void {
  const [command, ...rest] = words;
  const options = new Map<string, string>();
  const operands: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    if (rest[i] === '--system' || rest[i] === '-p') options.set(rest[i], '');
    else if (rest[i].startsWith('--')) options.set(rest[i], rest[++i] ?? '');
    else operands.push(rest[i]);
  }
  const known = (allowed: string[]) => [...options.keys()].every((o) => allowed.includes(o));
  switch (command) {
    case 'groupadd': {
      const gid = options.get('--gid');
      if (!known(['--system', '--gid']) || !gid || operands.length !== 1) fail(`cannot replay ${words.join(' ')}`);
      else groups.set(operands[0], gid);
      return;
    }
    case 'useradd': {
      const uid = options.get('--uid');
      const group = options.get('--gid');
      const gid = group && (groups.get(group) ?? (/^\d+$/.test(group) ? group : undefined));
      const home = options.get('--home-dir');
      if (
        !known(['--system', '--uid', '--gid', '--home-dir', '--shell']) ||
        !uid ||
        !gid ||
        !home ||
        operands.length !== 1
      ) {
        fail(`cannot replay ${words.join(' ')}`);
        return;
      }
      users.set(operands[0], { uid, gid });
      step('account', uid, gid, home);
      return;
    }
    case 'mkdir':
      if (!known(['-p']) || operands.some((p) => !p.startsWith('/'))) fail(`cannot replay ${words.join(' ')}`);
      else step('mkdir', ...operands);
      return;
    case 'chown': {
      const [owner, ...paths] = operands;
      const [user, group] = (owner ?? '').split(':');
      const uid = users.get(user)?.uid ?? user;
      const gid = groups.get(group ?? '') ?? group;
      if (options.size || !paths.length || !/^\d+$/.test(uid) || !/^\d+$/.test(gid ?? '')) {
        fail(`cannot replay ${words.join(' ')}`);
      } else step('chown', `${uid}:${gid}`, ...paths);
      return;
    }
  }
}

function jsonCommand(text: string): string[] | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return Array.isArray(value) && value.length && value.every((v) => typeof v === 'string') ? value : undefined;
  } catch {
    return undefined;
  }
}

/** A step as a line of shell: a call of `df_<verb>` (image-dry-run.sh), each argument single-quoted. */
export function shellLine({ verb, args }: Step): string {
  return [`df_${verb}`, ...args.map((a) => `'${a.replace(/'/g, `'\\''`)}'`)].join(' ');
}

// ---- the build context -------------------------------------------------------------------------------------------

/** A .dockerignore as a predicate on context-relative paths (Docker's pattern rules; `!` exceptions refused). */
export function dockerIgnore(text: string): (path: string) => boolean {
  const patterns = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
  const exception = patterns.find((p) => p.startsWith('!'));
  if (exception) throw new ReplayError([`ignore file: exception ${exception} is not replayed`]);
  const regexes = patterns.map((p) => ignoreRegex(normalize(p).replace(/^\/+|\/+$/g, '')));
  return (path) => {
    // Docker excludes a path when a pattern matches it or any of its parent directories.
    const parts = normalize(path).split('/');
    return parts.some((_, i) => regexes.some((re) => re.test(parts.slice(0, i + 1).join('/'))));
  };
}

function ignoreRegex(pattern: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i];
    if (ch === '*' && pattern[i + 1] === '*') {
      i++;
      if (pattern[i + 1] === '/') i++;
      source += i === pattern.length - 1 ? '.*' : '(.*/)?';
    } else if (ch === '*') source += '[^/]*';
    else if (ch === '?') source += '[^/]';
    else source += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

/** `COPY <src>... <dest>` from the context: a directory's contents, or a file, into `target`; ignored paths left out. */
export function copyFromContext(context: string, ignoreFile: string | undefined, target: string, sources: string[]) {
  const ignored = ignoreFile ? dockerIgnore(readFileSync(ignoreFile, 'utf8')) : () => false;
  const root = resolve(context);
  for (const source of sources) {
    const path = resolve(root, source);
    const rel = relative(root, path);
    if (rel.startsWith('..') || isAbsolute(rel)) throw new Error(`COPY ${source}: outside the build context`);
    if (!existsSync(path) || (rel && ignored(rel))) throw new Error(`COPY ${source}: not found in the build context`);
    const dest = statSync(path).isDirectory() || !target.endsWith('/') ? target : join(target, basename(path));
    cpSync(path, dest, {
      recursive: true,
      verbatimSymlinks: true,
      preserveTimestamps: true,
      filter: (from) => !ignored(relative(root, from)) || from === path,
    });
  }
}

// ---- command line ----------------------------------------------------------------------------------------------

function main([command, ...rest]: string[]): void {
  if (command === 'plan' && rest.length === 1) {
    const steps = replayPlan(readFileSync(rest[0], 'utf8'));
    process.stdout.write(`${steps.map(shellLine).join('\n')}\n`);
  } else if (command === 'copy-context' && rest.length >= 4) {
    const [context, ignoreFile, target, ...sources] = rest;
    copyFromContext(context, ignoreFile === '-' ? undefined : ignoreFile, target, sources);
  } else {
    throw new Error(
      'usage: dockerfile-replay.ts plan <Dockerfile> | copy-context <context> <ignore|-> <target> <src>...',
    );
  }
}

if (require.main === module) {
  try {
    main(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
}
