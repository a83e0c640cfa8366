import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import Redis from 'ioredis';
import { withTimeout } from '@app/common';
import { InjectRedis } from '@app/redis';
import { MetricsService } from './metrics.service';

const INFO_TIMEOUT_MS = 1_000;
export const REQUIRED_EVICTION_POLICY = 'noeviction';

/** `maxmemory_policy` and `maxmemory` from `INFO memory` (works where CONFIG is renamed away, as on managed Redis). */
export function parseMemoryInfo(info: string): { policy?: string; maxmemory?: number } {
  const field = (name: string) => new RegExp(`^${name}:(.*)$`, 'm').exec(info)?.[1]?.trim();
  const max = field('maxmemory');
  return { policy: field('maxmemory_policy'), maxmemory: max === undefined ? undefined : Number(max) };
}

/**
 * BullMQ keeps jobs, locks and queue state in Redis keys: under any eviction policy but `noeviction`, Redis near
 * its maxmemory silently deletes some of them (lost or broken jobs). Checked at start-up and at every scrape;
 * a wrong policy is logged at warn as one JSON line each time it is first seen (and when it changes), and
 * `datasync_redis_eviction_policy_ok` is 0 for as long as it lasts (alert DataSyncRedisEvictionPolicy).
 */
@Injectable()
export class RedisPolicyCheck implements OnApplicationBootstrap {
  private readonly logger = new Logger(RedisPolicyCheck.name);
  private lastWarned: string | undefined;

  constructor(
    private readonly metrics: MetricsService,
    @InjectRedis() private readonly redis: Redis,
  ) {}

  onApplicationBootstrap(): void {
    this.metrics.addCollector('redis-policy', async () => {
      await this.check();
    });
    // Not awaited: start-up never waits on Redis (it may be down; the scrape-time check catches up).
    void this.check().catch(() => undefined);
  }

  /** The policy Redis reports, after updating the gauge and warning when it is not noeviction. */
  async check(): Promise<string | undefined> {
    const { policy, maxmemory } = parseMemoryInfo(await withTimeout(this.redis.info('memory'), INFO_TIMEOUT_MS));
    if (policy === undefined) return undefined;
    const ok = policy === REQUIRED_EVICTION_POLICY;
    this.metrics.redisEvictionPolicyOk.reset();
    this.metrics.redisEvictionPolicyOk.set({ policy }, ok ? 1 : 0);
    if (ok) this.lastWarned = undefined;
    else if (this.lastWarned !== policy) {
      this.lastWarned = policy;
      this.logger.warn(
        { redisMaxmemoryPolicy: policy, redisMaxmemory: maxmemory, required: REQUIRED_EVICTION_POLICY },
        `Redis maxmemory-policy is ${policy}, not ${REQUIRED_EVICTION_POLICY}: near maxmemory Redis will evict ` +
          'BullMQ keys (lost or broken jobs). Set maxmemory-policy noeviction (deploy/redis/redis.conf).',
      );
    }
    return policy;
  }
}
