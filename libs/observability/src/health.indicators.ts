import { Injectable } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import Redis from 'ioredis';
import { withTimeout } from '@app/common';
import { DbHandle, InjectDb } from '@app/db';
import { InjectRedis, pingRedis } from '@app/redis';

const CHECK_TIMEOUT_MS = 1_500;

/** Runs `probe` with a hard bound; up with its data and response time, down with the reason. */
async function probe<K extends string>(
  health: HealthIndicatorService,
  key: K,
  run: () => Promise<Record<string, unknown>>,
): Promise<HealthIndicatorResult<K>> {
  const session = health.check(key);
  const started = Date.now();
  try {
    const data = await withTimeout(run(), CHECK_TIMEOUT_MS);
    return session.up({ ...data, responseTimeMs: Date.now() - started });
  } catch (error) {
    return session.down({ message: error instanceof Error ? error.message : String(error) });
  }
}

@Injectable()
export class DatabaseHealthIndicator {
  constructor(
    private readonly health: HealthIndicatorService,
    @InjectDb() private readonly handle: DbHandle,
  ) {}

  check(): Promise<HealthIndicatorResult<'database'>> {
    return probe(this.health, 'database', async () => {
      await this.handle.ping();
      return { driver: this.handle.kind };
    });
  }
}

@Injectable()
export class RedisHealthIndicator {
  constructor(
    private readonly health: HealthIndicatorService,
    @InjectRedis() private readonly redis: Redis,
  ) {}

  check(): Promise<HealthIndicatorResult<'redis'>> {
    return probe(this.health, 'redis', async () => {
      await pingRedis(this.redis, CHECK_TIMEOUT_MS);
      return { connection: this.redis.status };
    });
  }
}
