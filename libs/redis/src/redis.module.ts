import { Global, Inject, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';
import { AppConfig } from '@app/config';
import { closeRedis, createRedis, DEFAULT_REDIS_URL, firstConnection } from './redis-connections';

export const REDIS_CLIENT = Symbol('REDIS_CLIENT');
export const InjectRedis = () => Inject(REDIS_CLIENT);

@Injectable()
class RedisCloser implements OnApplicationShutdown {
  constructor(@InjectRedis() private readonly client: Redis) {}
  async onApplicationShutdown(): Promise<void> {
    await closeRedis(this.client);
  }
}

/**
 * A shared, fail-fast client for request-path commands (health, quota, cache, rate limits, the
 * queue producer). Auto-pipelined: commands issued in the same event-loop turn (e.g. the rate-limit
 * count of 50 concurrent requests) leave in one write and one round trip instead of one each. Safe
 * here because nothing blocks on this client; BullMQ workers use their own, un-pipelined connections.
 */
@Global()
@Module({
  providers: [
    {
      provide: REDIS_CLIENT,
      inject: [AppConfig],
      useFactory: async (config: AppConfig) => {
        const client = createRedis(config.redis.url ?? DEFAULT_REDIS_URL, { enableAutoPipelining: true });
        await firstConnection(client);
        return client;
      },
    },
    RedisCloser,
  ],
  exports: [REDIS_CLIENT],
})
export class RedisModule {}
