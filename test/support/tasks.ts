import { TestApp } from './test-app';
import { waitFor } from './wait-for';

export interface TaskBody {
  task_id: string;
  status: string;
  attempts: number;
  error: string | null;
  error_code: string | null;
  progress: {
    files_total: number;
    files_done: number;
    rows_total: number;
    rows_done: number;
    percent: number;
    current_file: string | null;
  } | null;
  files: {
    file_id: number;
    status: string;
    rows_total: number;
    inserted: number;
    updated: number;
    unchanged: number;
    quarantined: number;
    error: string | null;
  }[];
}

const FINISHED = ['completed', 'failed', 'cancelled'];

/** Polls the task-status endpoint until the task reaches one of `statuses` (default: finished). */
export async function waitForTask(
  t: TestApp,
  token: string,
  taskId: string,
  statuses = FINISHED,
  timeoutMs = 60_000,
): Promise<TaskBody> {
  return waitFor(
    async () => {
      const res = await t.http().get(`/api/data-sync/task-status/${taskId}`).set('authorization', `Bearer ${token}`);
      if (res.status !== 200) throw new Error(`task-status ${res.status}: ${JSON.stringify(res.body)}`);
      return res.body as TaskBody;
    },
    (task) => statuses.includes(task.status),
    { timeoutMs, what: `task ${taskId} ${statuses.join('|')}` },
  );
}

/** Uploads a file with its metadata; returns the response (201 with the catalog row on success). */
export function upload(t: TestApp, token: string, path: string, meta: Record<string, string>) {
  let req = t.http().post('/api/data-sync/files').set('authorization', `Bearer ${token}`);
  for (const [key, value] of Object.entries(meta)) req = req.field(key, value);
  return req.attach('file', path);
}

export async function syncFile(t: TestApp, token: string, fileId: number, priority?: number): Promise<TaskBody> {
  const res = await t
    .http()
    .post('/api/data-sync/single')
    .set('authorization', `Bearer ${token}`)
    .send({ file_id: fileId, ...(priority ? { priority } : {}) });
  if (res.status !== 202) throw new Error(`single ${res.status}: ${JSON.stringify(res.body)}`);
  return waitForTask(t, token, res.body.task_id as string);
}

/** Submits one batch task of these files (`batch-by-ids`); returns its id. */
export async function submitFiles(t: TestApp, token: string, fileIds: number[]): Promise<string> {
  const res = await t
    .http()
    .post('/api/data-sync/batch-by-ids')
    .set('authorization', `Bearer ${token}`)
    .send({ file_ids: fileIds });
  if (res.status !== 202) throw new Error(`batch-by-ids ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body.task_id as string;
}

/** Submits one batch task of these files and waits for it to end. */
export async function syncFiles(t: TestApp, token: string, fileIds: number[]): Promise<TaskBody> {
  return waitForTask(t, token, await submitFiles(t, token, fileIds));
}

/** Cancels a task through the API (200 expected) and waits until its status says so; returns it. */
export async function cancelTask(t: TestApp, token: string, taskId: string): Promise<TaskBody> {
  await t.http().delete(`/api/data-sync/cancel-task/${taskId}`).set('authorization', `Bearer ${token}`).expect(200);
  return waitForTask(t, token, taskId, ['cancelled']);
}
