import { Module } from '@nestjs/common';
import { MetricsModule } from '@app/observability';
import { QuotaReconciler } from './quota.reconciler';
import { QuotaRepository } from './quota.repository';
import { QuotaService } from './quota.service';
import { QuotaStore } from './quota.store';

@Module({ imports: [MetricsModule], providers: [QuotaService, QuotaStore, QuotaRepository], exports: [QuotaService] })
export class QuotaModule {}

/** QuotaModule plus the periodic reconciliation, for the processes that run it. */
@Module({ imports: [QuotaModule], providers: [QuotaReconciler] })
export class QuotaReconcilerModule {}
