import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bullmq';
import { Queue } from 'bullmq';
import { MetricsService } from '@app/observability';
import { SYNC_QUEUE } from './sync-queue.constants';

/** BullMQ states reported as `datasync_queue_jobs{state}`. */
const STATES = ['waiting', 'prioritized', 'active', 'delayed', 'failed', 'completed'] as const;

/** Queue depth by state, read from Redis at every scrape (one round trip). */
@Injectable()
export class QueueMetrics implements OnModuleInit {
  constructor(
    private readonly metrics: MetricsService,
    @InjectQueue(SYNC_QUEUE) private readonly queue: Queue,
  ) {}

  onModuleInit(): void {
    this.metrics.addCollector('queue', () => this.collect());
  }

  async collect(): Promise<void> {
    try {
      const counts = await this.queue.getJobCounts(...STATES);
      for (const state of STATES) this.metrics.queueJobs.set({ state }, counts[state] ?? 0);
    } catch (error) {
      // No stale depth while Redis is away: the series disappear and datasync_dependency_up says why.
      this.metrics.queueJobs.reset();
      throw error;
    }
  }
}
