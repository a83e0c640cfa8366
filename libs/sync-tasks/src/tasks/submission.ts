import { QuotaOwner } from '@app/quota';
import { SyncTask } from './tasks.repository';

export interface Submission {
  owner: QuotaOwner;
  priority?: number;
  idempotencyKey?: string;
}

export interface SubmittedTask {
  task_id: string | null;
  status: SyncTask['status'] | 'nothing_to_do';
  total_files: number;
  file_ids: number[];
  enqueued: boolean;
  /** True when an Idempotency-Key matched an earlier submission, which is returned instead. */
  replayed: boolean;
}

export type SubmittedSingle = SubmittedTask & { file_id: number; file_name: string };
