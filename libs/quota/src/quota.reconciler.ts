import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { QuotaService } from './quota.service';

const EVERY_MS = 60_000;

/** Reconciles the quota at start-up and every minute (idempotent, so replicas may overlap). */
@Injectable()
export class QuotaReconciler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(QuotaReconciler.name);
  private timer?: NodeJS.Timeout;

  constructor(private readonly quota: QuotaService) {}

  onApplicationBootstrap(): void {
    void this.run();
    this.timer = setInterval(() => void this.run(), EVERY_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  private async run(): Promise<void> {
    try {
      const result = await this.quota.reconcile();
      if (result.dropped) this.logger.log(`quota reconciled: ${result.dropped} stale reservations released`);
    } catch (error) {
      this.logger.warn(`quota reconciliation skipped: ${(error as Error).message}`);
    }
  }
}
