import { Injectable } from '@nestjs/common';
import { Tx } from '@app/db';
import { QuotaOwner, QuotaService } from '@app/quota';
import { TasksRepository } from './tasks.repository';

/**
 * Writes a task under its owner's quota (`QuotaService.admit`): after a slot is reserved in Redis (given back
 * if the write fails), or, while Redis does not answer, in one transaction with the PostgreSQL decision.
 * The transaction is opened here, in sync-tasks: the quota lib never calls back into our repositories.
 */
@Injectable()
export class QuotaGate {
  constructor(
    private readonly quota: QuotaService,
    private readonly tasks: TasksRepository,
  ) {}

  async write<T>(owner: QuotaOwner, taskId: string, write: (tx?: Tx) => Promise<T>): Promise<T> {
    const [admission] = await this.quota.admit([{ owner, taskId }]);
    switch (admission.outcome) {
      case 'refused':
        throw admission.error;
      case 'unchecked':
        return this.writeUnchecked(owner, write);
      case 'reserved':
        try {
          return await write();
        } catch (error) {
          await this.quota.release(owner.id, taskId);
          throw error;
        }
    }
  }

  /** For a claim `admit` answered `unchecked`: the PostgreSQL decision and the write, in one transaction. */
  writeUnchecked<T>(owner: QuotaOwner, write: (tx: Tx) => Promise<T>): Promise<T> {
    return this.tasks.transaction(async (tx) => {
      await this.quota.admitInTransaction(tx, owner);
      return write(tx);
    });
  }
}
