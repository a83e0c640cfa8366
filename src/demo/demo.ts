/**
 * `npm run demo`: the product end to end through its REST API. Finds (or starts) the service, logs
 * in, catalogues the sample export files, submits one sync task per file, draws their progress and
 * prints what was ingested. Exit code 0 only when every task completed.
 *
 * Environment: DEMO_URL (default http://127.0.0.1:${PORT ?? 3000}), DEMO_USER / DEMO_PASSWORD
 * (demo / demo12345), DEMO_ADMIN_USER / DEMO_ADMIN_PASSWORD (admin / admin12345), DEMO_TIMEOUT_MS
 * (600000), DATA_DIR (./.data; the log of a service the demo starts goes to DATA_DIR/demo-server.log).
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  ApiClient,
  ApiError,
  CatalogFile,
  describeError,
  Page,
  probeReady,
  ScanReport,
  SubmittedTask,
  TaskSummary,
  TaskView,
  TERMINAL_STATUSES,
} from './api-client';
import { ConfigError, DemoConfig, inheritedEnv, loadDemoConfig } from '@app/config';
import { LocalService, startLocalService, tailOf, waitForReady } from './local-service';
import { createRenderer, ProgressRenderer } from './progress-bar';
import { FILE_COLUMN_WIDTH, formatBytes, formatDuration, formatTable, summaryTable } from './summary-table';
import { failureOf, isFinished, snapshotOf, statusOf, summaryRowOf, track, TrackedTask } from './tracked-task';

/** One `tasks?ids=` call per tick follows every task: 120 reads a minute, whatever the number of tasks. */
const POLL_MS = 500;
const MAX_IDS_PER_CALL = 100;
const PRIORITY = 5;
const REQUEST_TIMEOUT_MS = 10_000;
const STARTUP_TIMEOUT_MS = 90_000;
const RECENT_FILES = 8;
const LOG_FILE = 'demo-server.log';

/** The service this demo started, if any: stopped on the way out, whatever happens. */
let startedService: LocalService | undefined;

/** A problem the demo explains itself; printed without a stack trace. */
class DemoError extends Error {}

function say(line = ''): void {
  process.stdout.write(`${line}\n`);
}

/** The directory holding package.json above this file (dist/src/demo or src/demo). */
function findRepoRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return process.cwd();
  }
}

// ---------------------------------------------------------------- the service

function isLocalHost(hostname: string): boolean {
  return ['127.0.0.1', 'localhost', '::1', '[::1]', '0.0.0.0'].includes(hostname);
}

/** Uses the service at baseUrl, or starts one when nothing answers there; returns it only if started. */
async function ensureService(config: DemoConfig): Promise<LocalService | undefined> {
  const state = await probeReady(config.baseUrl);
  if (state === 'ready') {
    say(`Service is up at ${config.baseUrl}`);
    return undefined;
  }
  if (state === 'not-ready') {
    say(`Service at ${config.baseUrl} answers but is not ready; waiting up to ${STARTUP_TIMEOUT_MS / 1000} s…`);
    const ms = await waitForReady(config.baseUrl, STARTUP_TIMEOUT_MS);
    say(`Service ready after ${formatDuration(ms)}`);
    return undefined;
  }
  const url = new URL(config.baseUrl);
  if (!isLocalHost(url.hostname)) {
    throw new DemoError(`Nothing answers at ${config.baseUrl}, and the demo only starts a service on this machine.`);
  }
  const entry = join(config.repoRoot, 'dist', 'src', 'main.js');
  if (!existsSync(entry)) throw new DemoError(`Cannot start the service: ${entry} is missing (run npm run build).`);
  const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  const logPath = join(config.dataDir, LOG_FILE);
  say(`Nothing answers at ${config.baseUrl}; starting the service (API + worker, log: ${logPath})…`);
  const service = startLocalService({ repoRoot: config.repoRoot, port, logPath, env: inheritedEnv() });
  startedService = service;
  try {
    const ms = await waitForReady(config.baseUrl, STARTUP_TIMEOUT_MS, service);
    if (service.hasExited()) {
      // Another process answered on that port meanwhile; ours gave up (see its log).
      say(
        `The service the demo started exited, but another one answers at ${config.baseUrl}; using that (see ${logPath}).`,
      );
      startedService = undefined;
      return undefined;
    }
    say(`Service ready after ${formatDuration(ms)} (pid ${service.pid})`);
    return service;
  } catch (error) {
    const tail = tailOf(logPath);
    await service.stop();
    startedService = undefined;
    throw new DemoError(
      `Could not start the service: ${describeError(error)}${tail ? `\nLast lines of ${logPath}:\n${tail}` : ''}`,
    );
  }
}

// ---------------------------------------------------------------- catalogue

async function scanAsAdmin(config: DemoConfig): Promise<void> {
  const admin = new ApiClient(config.baseUrl, { timeoutMs: 60_000 });
  try {
    await admin.login(config.adminUser, config.adminPassword);
    const report = await admin.post<ScanReport>('/api/data-sync/scan', {});
    say(
      `Scanned ${report.directory ?? 'DATA_DIR/samples'} as ${config.adminUser}: ` +
        `${report.registered.length} newly registered, ${report.duplicates.length} already known, ${report.skipped.length} skipped`,
    );
    for (const skip of report.skipped) say(`  skipped ${skip.path}: ${skip.reason}`);
  } catch (error) {
    say(`Warning: could not scan the sample directory as ${config.adminUser}: ${describeError(error)}`);
  }
}

/** Pending files, or (when none are pending) the most recent files to re-sync. */
async function pickFiles(client: ApiClient): Promise<CatalogFile[]> {
  const pending = await client.get<Page<CatalogFile>>('/api/data-sync/files?status=pending&page_size=200');
  if (pending.items.length) {
    const more = pending.total > pending.items.length ? ` (the first ${pending.items.length})` : '';
    say(`${pending.total} file(s) pending${more}:`);
    return pending.items;
  }
  const recent = await client.get<Page<CatalogFile>>(`/api/data-sync/files?page_size=${RECENT_FILES}`);
  const idle = recent.items.filter((f) => f.status !== 'queued' && f.status !== 'processing');
  say('No files are pending: every catalogued file has been synced before.');
  if (idle.length) {
    say(`Re-syncing the ${idle.length} most recent file(s) instead (already stored rows show up as "unchanged"):`);
  } else if (recent.items.length) {
    say(`The ${recent.items.length} most recent file(s) are already queued or processing (another sync is running).`);
  }
  return idle;
}

function printFiles(files: CatalogFile[]): void {
  const lines = formatTable(
    [
      { header: 'id', align: 'right' },
      { header: 'file', align: 'left', maxWidth: FILE_COLUMN_WIDTH },
      { header: 'platform', align: 'left' },
      { header: 'shop', align: 'left' },
      { header: 'domain', align: 'left' },
      { header: 'granularity', align: 'left' },
      { header: 'format', align: 'left' },
      { header: 'size', align: 'right' },
      { header: 'status', align: 'left' },
    ],
    files.map((f) => [
      String(f.id),
      f.file_name,
      f.platform,
      f.shop_id,
      f.data_domain,
      f.granularity,
      f.format,
      formatBytes(f.size_bytes),
      f.status,
    ]),
  );
  for (const line of lines) say(`  ${line}`);
}

// ---------------------------------------------------------------- tasks

/**
 * Calls the API for every unfinished task whose back-off has passed: submits the new ones, reads the
 * others' status with one `tasks?ids=` call, and fetches a task's per-file results once it has finished.
 */
async function step(client: ApiClient, tasks: TrackedTask[], reauth: () => Promise<void>): Promise<void> {
  const now = Date.now();
  const due = tasks.filter((t) => !isFinished(t) && t.notBefore <= now);
  await Promise.all(due.filter((t) => !t.taskId).map((t) => submit(client, t, reauth)));
  const submitted = due.filter((t) => t.taskId);
  if (submitted.length) await pollAll(client, submitted, reauth);
  await Promise.all(submitted.filter((t) => t.finishedUnread).map((t) => poll(client, t, reauth)));
}

async function pollAll(client: ApiClient, tasks: TrackedTask[], reauth: () => Promise<void>): Promise<void> {
  try {
    const byId = new Map<string, TaskSummary>();
    for (let i = 0; i < tasks.length; i += MAX_IDS_PER_CALL) {
      const ids = tasks.slice(i, i + MAX_IDS_PER_CALL).map((t) => t.taskId);
      const page = await client.get<Page<TaskSummary>>(`/api/data-sync/tasks?ids=${ids.join(',')}`);
      for (const item of page.items) byId.set(item.task_id, item);
    }
    for (const task of tasks) {
      const summary = byId.get(task.taskId!);
      if (!summary) continue;
      // A finished task's per-file results come from its full view, read once (next in this step).
      if (TERMINAL_STATUSES.has(summary.status)) task.finishedUnread = true;
      else task.view = { ...summary, files: [], duration_ms: null, error_code: null };
      task.note = undefined;
      task.failures = 0;
    }
  } catch (error) {
    for (const task of tasks) await handleCallError(task, error, 'status', reauth);
  }
}

async function submit(client: ApiClient, task: TrackedTask, reauth: () => Promise<void>): Promise<void> {
  try {
    const submitted = await client.post<SubmittedTask>('/api/data-sync/single', {
      file_id: task.file.id,
      priority: PRIORITY,
    });
    task.taskId = submitted.task_id;
    task.note = undefined;
    task.failures = 0;
  } catch (error) {
    await handleCallError(task, error, 'submit', reauth);
  }
}

async function poll(client: ApiClient, task: TrackedTask, reauth: () => Promise<void>): Promise<void> {
  try {
    task.view = await client.get<TaskView>(`/api/data-sync/task-status/${task.taskId}`);
    task.note = undefined;
    task.failures = 0;
  } catch (error) {
    await handleCallError(task, error, 'status', reauth);
  }
}

/**
 * 429 (quota or rate limit) waits for Retry-After; 401 logs in again; other 4xx answers are final
 * for that task; network errors and 5xx are retried with a back-off until the demo's deadline.
 */
async function handleCallError(
  task: TrackedTask,
  error: unknown,
  what: string,
  reauth: () => Promise<void>,
): Promise<void> {
  task.failures++;
  if (error instanceof ApiError && error.status === 429) {
    const wait = error.retryAfterMs ?? 1_000;
    task.notBefore = Date.now() + wait;
    task.note = `${what}: ${error.code}, retrying in ${formatDuration(wait)}`;
    return;
  }
  if (error instanceof ApiError && error.status === 401 && task.failures <= 2) {
    await reauth();
    return;
  }
  if (error instanceof ApiError && error.status >= 400 && error.status < 500) {
    task.localError = `${what} failed: ${error.code}: ${error.apiMessage}${error.requestId ? ` (requestId ${error.requestId})` : ''}`;
    return;
  }
  const wait = Math.min(5_000, POLL_MS * 2 ** task.failures);
  task.notBefore = Date.now() + wait;
  task.note = `${what}: ${describeError(error)}; retrying`;
}

/** Runs until every task finished or the deadline passed; false on timeout. */
async function runTasks(
  client: ApiClient,
  tasks: TrackedTask[],
  deadline: number,
  renderer: ProgressRenderer,
  reauth: () => Promise<void>,
): Promise<boolean> {
  for (;;) {
    const tickStarted = Date.now();
    await step(client, tasks, reauth);
    const snapshots = tasks.map(snapshotOf);
    if (tasks.every(isFinished)) {
      renderer.finish(snapshots);
      return true;
    }
    if (Date.now() >= deadline) {
      renderer.finish(snapshots);
      return false;
    }
    renderer.update(snapshots);
    await sleep(Math.max(0, POLL_MS - (Date.now() - tickStarted)));
  }
}

function describeCounts(client: ApiClient): string {
  const { requests, refused } = client.counts;
  return `${requests} API request(s), ${refused} refused with 429`;
}

// ---------------------------------------------------------------- main

async function runDemo(config: DemoConfig): Promise<number> {
  const client = new ApiClient(config.baseUrl, { timeoutMs: REQUEST_TIMEOUT_MS });
  await client.login(config.user, config.password);
  say(`Logged in as ${config.user}`);
  await scanAsAdmin(config);

  const files = await pickFiles(client);
  if (!files.length) {
    say('Nothing to sync: no catalogued file is idle (is DATA_DIR/samples empty?).');
    return 1;
  }
  printFiles(files);
  say();

  const deadline = Date.now() + config.timeoutMs;
  let reauthInFlight: Promise<void> | undefined;
  const reauth = (): Promise<void> => {
    reauthInFlight ??= client
      .login(config.user, config.password)
      .then(() => undefined)
      .catch(() => undefined)
      .finally(() => (reauthInFlight = undefined));
    return reauthInFlight;
  };

  say(`Submitting ${files.length} sync task(s) (priority ${PRIORITY}) and following their progress…`);
  const tasks = files.map(track);
  const renderer = createRenderer(process.stdout);
  const started = Date.now();
  const allFinished = await runTasks(client, tasks, deadline, renderer, reauth);
  const wallMs = Date.now() - started;

  say();
  for (const line of summaryTable(tasks.map(summaryRowOf), wallMs)) say(line);
  say();

  if (!allFinished) {
    const open = tasks.filter((t) => !isFinished(t));
    const statuses = open.map((t) => `${t.file.file_name}: ${statusOf(t)}`).join(', ');
    say(
      `Gave up after ${formatDuration(config.timeoutMs)} (DEMO_TIMEOUT_MS=${config.timeoutMs}): ` +
        `${open.length} of ${tasks.length} task(s) did not finish (${statuses}).`,
    );
    say(
      'Is the worker running and connected to Redis? ' +
        (startedService ? `See ${startedService.logPath}.` : 'Check the service logs.'),
    );
    return 1;
  }
  const failures = tasks.map((t) => ({ task: t, failure: failureOf(t) })).filter((f) => f.failure !== undefined);
  if (failures.length) {
    say(`${failures.length} of ${tasks.length} task(s) did not complete:`);
    for (const { task, failure } of failures) {
      say(`  ${task.file.file_name}${task.taskId ? ` (task ${task.taskId})` : ''}: ${failure}`);
    }
    return 1;
  }
  say(`All ${tasks.length} task(s) completed (${describeCounts(client)}).`);
  return 0;
}

async function main(): Promise<number> {
  const config = loadDemoConfig(findRepoRoot(__dirname));
  say(`data-sync demo — ${config.baseUrl}`);
  const service = await ensureService(config);
  try {
    return await runDemo(config);
  } finally {
    if (service) {
      say(`Stopping the service the demo started (pid ${service.pid})…`);
      await service.stop();
      startedService = undefined;
      say('Service stopped.');
    }
  }
}

async function interrupted(signal: string): Promise<never> {
  say(`\n${signal}: stopping`);
  await startedService?.stop();
  process.exit(130);
}

process.once('SIGINT', () => void interrupted('SIGINT'));
process.once('SIGTERM', () => void interrupted('SIGTERM'));

main().then(
  (code) => process.exit(code),
  async (error: unknown) => {
    say(
      error instanceof DemoError || error instanceof ApiError || error instanceof ConfigError
        ? `Error: ${error.message}`
        : `Demo failed: ${describeError(error)}`,
    );
    await startedService?.stop();
    process.exit(1);
  },
);
