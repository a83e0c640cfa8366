import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppConfig } from '@app/config';
import { DbHandle } from '@app/db';
import { CliModule } from './cli.module';

/** Runs `work` inside a short-lived Nest context over an already opened database. */
export async function withCliContext<T>(
  config: AppConfig,
  db: DbHandle,
  work: (ctx: INestApplicationContext) => Promise<T>,
): Promise<T> {
  const ctx = await NestFactory.createApplicationContext(CliModule.forRoot(config, db), { logger: ['error', 'warn'] });
  try {
    return await work(ctx);
  } finally {
    await ctx.close();
  }
}
