import { DynamicModule, Global, Inject, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import { DbHandle } from './database';

export const DB_HANDLE = Symbol('DB_HANDLE');
export const InjectDb = () => Inject(DB_HANDLE);

@Injectable()
class DbCloser implements OnApplicationShutdown {
  constructor(@InjectDb() private readonly handle: DbHandle) {}
  async onApplicationShutdown(): Promise<void> {
    await this.handle.close();
  }
}

/**
 * Provides the opened database. Opening (pg pool or PGlite) happens before the Nest app
 * is built, in `openDatabase`, so the entry point decides the driver and runs migrations.
 */
@Global()
@Module({})
export class DbModule {
  static forRoot(handle: DbHandle, options: { closeOnShutdown?: boolean } = {}): DynamicModule {
    const providers: DynamicModule['providers'] = [{ provide: DB_HANDLE, useValue: handle }];
    if (options.closeOnShutdown ?? true) providers.push(DbCloser);
    return { module: DbModule, providers, exports: [DB_HANDLE] };
  }
}
