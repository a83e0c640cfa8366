import { Injectable, OnModuleInit } from '@nestjs/common';
import Redis from 'ioredis';
import { withTimeout } from '@app/common';
import { DbHandle, InjectDb } from '@app/db';
import { InjectRedis, pingRedis } from '@app/redis';
import { MetricsService } from './metrics.service';

const PING_TIMEOUT_MS = 1_000;

/** `datasync_dependency_up{dependency}`: PostgreSQL and Redis pinged at every scrape. */
@Injectable()
export class DependencyMetrics implements OnModuleInit {
  constructor(
    private readonly metrics: MetricsService,
    @InjectDb() private readonly db: DbHandle,
    @InjectRedis() private readonly redis: Redis,
  ) {}

  onModuleInit(): void {
    this.metrics.addCollector('dependencies', () => this.collect());
  }

  async collect(): Promise<void> {
    const [database, redis] = await Promise.all([
      answers(withTimeout(this.db.ping(), PING_TIMEOUT_MS)),
      answers(pingRedis(this.redis, PING_TIMEOUT_MS)),
    ]);
    this.metrics.dependencyUp.set({ dependency: 'postgres' }, database ? 1 : 0);
    this.metrics.dependencyUp.set({ dependency: 'redis' }, redis ? 1 : 0);
  }
}

function answers(ping: Promise<void>): Promise<boolean> {
  return ping.then(
    () => true,
    () => false,
  );
}
