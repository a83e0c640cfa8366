import KeyvRedis from '@keyv/redis';
import { loadConfig } from '@app/config';
import { createCacheStore } from './cache-store';

/** A store on port 1, where nothing listens: every connect fails (after the 500 ms connect timeout at most). */
function storeWithoutServer() {
  const config = loadConfig('single', {
    NODE_ENV: 'test',
    JWT_SECRET: 'x'.repeat(40),
    DATA_DIR: '/nonexistent',
    REDIS_URL: 'redis://127.0.0.1:1',
  });
  const keyv = createCacheStore(config);
  return { keyv, adapter: keyv.store as KeyvRedis<unknown> };
}

describe(createCacheStore.name, () => {
  it('tries to connect again on the next command after a failed connect (Redis coming back is picked up)', async () => {
    const { keyv, adapter } = storeWithoutServer();
    const connect = jest.spyOn(adapter.client, 'connect');
    await keyv.getRaw('k').catch(() => undefined);
    await keyv.getRaw('k').catch(() => undefined);
    expect(connect).toHaveBeenCalledTimes(2);
    await keyv.disconnect();
  });

  it('never reconnects once shut down, so a read still running then cannot keep the process alive', async () => {
    const { keyv, adapter } = storeWithoutServer();
    const connect = jest.spyOn(adapter.client, 'connect');
    await keyv.disconnect();
    await expect(adapter.getClient()).rejects.toThrow('cache store closed');
    await expect(keyv.getRaw('k')).rejects.toThrow('cache store closed');
    expect(connect).not.toHaveBeenCalled();
  });
});
