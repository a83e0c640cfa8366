/** A small REST client for the demo: global fetch, a timeout on every call, and the API's error body. */

export interface TokenPair {
  access_token: string;
  refresh_token: string;
  token_type: string;
  expires_in: number;
}

export interface Page<T> {
  items: T[];
  total: number;
  page: number;
  page_size: number;
}

export interface CatalogFile {
  id: number;
  file_name: string;
  platform: string;
  shop_id: string;
  data_domain: string;
  granularity: string;
  format: string;
  size_bytes: number;
  status: string;
}

export interface ScanReport {
  directory?: string;
  registered: unknown[];
  duplicates: unknown[];
  skipped: { path: string; reason: string }[];
}

export interface SubmittedTask {
  task_id: string;
  status: string;
  file_id: number;
  file_name: string;
}

export type TaskStatus = 'queued' | 'active' | 'completed' | 'failed' | 'cancelled';

export interface TaskProgress {
  files_total: number;
  files_done: number;
  rows_total: number;
  rows_done: number;
  percent: number;
  current_file: string | null;
}

export interface FileResult {
  file_id: number;
  file_name: string;
  status: string;
  rows_total: number;
  inserted: number;
  updated: number;
  unchanged: number;
  quarantined: number;
  error: string | null;
}

export interface TaskView {
  task_id: string;
  status: TaskStatus;
  attempts: number;
  error: string | null;
  error_code?: string | null;
  progress: TaskProgress | null;
  started_at: string | null;
  finished_at: string | null;
  duration_ms: number | null;
  files: FileResult[];
}

/** An item of `GET /api/data-sync/tasks?ids=`: a task without its per-file results. */
export type TaskSummary = Omit<TaskView, 'files' | 'duration_ms' | 'error_code'>;

export const TERMINAL_STATUSES: ReadonlySet<string> = new Set(['completed', 'failed', 'cancelled']);

/** The API answered with an error status; carries the fields of its error body. */
export class ApiError extends Error {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly status: number,
    readonly code: string,
    readonly apiMessage: string,
    readonly requestId?: string,
    readonly retryAfterMs?: number,
  ) {
    super(`${method} ${path} → ${status} ${code}: ${apiMessage}${requestId ? ` (requestId ${requestId})` : ''}`);
    this.name = 'ApiError';
  }
}

/** Nothing answered in time, or the connection failed. */
export class NetworkError extends Error {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly reason: string,
    readonly timedOut: boolean,
  ) {
    super(`${method} ${path}: ${reason}`);
    this.name = 'NetworkError';
  }
}

export interface ApiClientOptions {
  /** Per-request timeout. */
  timeoutMs?: number;
}

export class ApiClient {
  private token: string | undefined;
  private readonly timeoutMs: number;
  /** Requests sent, and how many were refused with 429 (rate limit or quota). */
  readonly counts = { requests: 0, refused: 0 };

  constructor(
    readonly baseUrl: string,
    options: ApiClientOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  /** Logs in and keeps the access token for the following calls. */
  async login(username: string, password: string): Promise<TokenPair> {
    const pair = await this.request<TokenPair>('POST', '/api/auth/login', { username, password });
    this.token = pair.access_token;
    return pair;
  }

  get<T>(path: string): Promise<T> {
    return this.request<T>('GET', path);
  }

  post<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('POST', path, body);
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    let response: Response;
    this.counts.requests++;
    try {
      response = await fetch(new URL(path, this.baseUrl), {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      throw toNetworkError(method, path, error, this.timeoutMs);
    }
    let text: string;
    try {
      text = await response.text();
    } catch (error) {
      throw toNetworkError(method, path, error, this.timeoutMs);
    }
    const data = parseJson(text);
    if (response.status === 429) this.counts.refused++;
    if (!response.ok) throw toApiError(method, path, response, data, text);
    return data as T;
  }
}

/** `GET /health/ready`: 'ready' (200), 'not-ready' (something answers, but not 200 or not in time) or 'down'. */
export async function probeReady(baseUrl: string, timeoutMs = 3_000): Promise<'ready' | 'not-ready' | 'down'> {
  try {
    const response = await fetch(new URL('/health/ready', baseUrl), { signal: AbortSignal.timeout(timeoutMs) });
    await response.arrayBuffer().catch(() => undefined);
    return response.ok ? 'ready' : 'not-ready';
  } catch (error) {
    return isTimeout(error) ? 'not-ready' : 'down';
  }
}

/** One line for any error the demo may meet. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

function parseJson(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function toApiError(method: string, path: string, response: Response, data: unknown, text: string): ApiError {
  const body = isRecord(data) ? data : {};
  const code = typeof body.code === 'string' ? body.code : `HTTP_${response.status}`;
  const message =
    typeof body.message === 'string'
      ? body.message
      : Array.isArray(body.message)
        ? body.message.map(String).join('; ')
        : text.slice(0, 200) || response.statusText || 'no error body';
  const requestId =
    typeof body.requestId === 'string' ? body.requestId : (response.headers.get('x-request-id') ?? undefined);
  return new ApiError(method, path, response.status, code, message, requestId, retryAfterMs(response));
}

function retryAfterMs(response: Response): number | undefined {
  const header = response.headers.get('retry-after');
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

function toNetworkError(method: string, path: string, error: unknown, timeoutMs: number): NetworkError {
  if (isTimeout(error)) return new NetworkError(method, path, `no answer within ${timeoutMs} ms`, true);
  const cause = error instanceof Error && isRecord(error.cause) ? error.cause : undefined;
  const code = typeof cause?.code === 'string' ? cause.code : undefined;
  const reason = code ?? (error instanceof Error ? error.message : String(error));
  return new NetworkError(method, path, reason, false);
}

function isTimeout(error: unknown): boolean {
  return error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
