import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import Redis from 'ioredis';
import { AppConfig, CACHE_TYPES, CacheType } from '@app/config';
import { closeRedis, createRedis, DEFAULT_REDIS_URL, InjectRedis } from '@app/redis';
import { CACHE_KEYS, CacheKeys } from './cache-keys';

type Listener = (types: CacheType[]) => void;

/**
 * Tells every other process (API replicas, workers, single process) that types were invalidated, over
 * Redis pub/sub, so each can refresh ahead. Correctness never depends on it: the generation counter
 * already makes the old entries unreachable; a lost message only costs one cold read.
 */
@Injectable()
export class CacheInvalidationBus implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(CacheInvalidationBus.name);
  private readonly origin = randomUUID();
  private readonly listeners: Listener[] = [];
  private subscriber?: Redis;

  constructor(
    private readonly config: AppConfig,
    @InjectRedis() private readonly redis: Redis,
    @Inject(CACHE_KEYS) private readonly keys: CacheKeys,
  ) {}

  /** Invalidations published by other processes (never this one's own). */
  onRemote(listener: Listener): void {
    this.listeners.push(listener);
  }

  publish(types: CacheType[]): void {
    this.redis.publish(this.keys.channel(), JSON.stringify({ origin: this.origin, types })).catch(() => undefined);
  }

  onModuleInit(): void {
    // Its own connection (a subscribed client can do nothing else), with an offline queue so the
    // SUBSCRIBE waits for the first connect; ioredis re-subscribes after every reconnect.
    const subscriber = createRedis(this.config.redis.url ?? DEFAULT_REDIS_URL, {
      enableOfflineQueue: true,
      maxRetriesPerRequest: null,
      commandTimeout: undefined,
    });
    this.subscriber = subscriber;
    subscriber.on('message', (_channel: string, message: string) => this.receive(message));
    subscriber.subscribe(this.keys.channel()).catch((error: Error) => {
      this.logger.warn(`cache invalidation channel not subscribed: ${error.message}`);
    });
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.subscriber) await closeRedis(this.subscriber);
  }

  private receive(message: string): void {
    let parsed: { origin?: unknown; types?: unknown };
    try {
      parsed = JSON.parse(message) as typeof parsed;
    } catch {
      return;
    }
    if (parsed.origin === this.origin || !Array.isArray(parsed.types)) return;
    const types = parsed.types.filter((t): t is CacheType => CACHE_TYPES.includes(t as CacheType));
    if (types.length) for (const listener of this.listeners) listener(types);
  }
}
