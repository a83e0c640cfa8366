/**
 * Writes docs/openapi.json from the API module (`npm run openapi`). Nest's preview mode builds the module graph
 * without instantiating providers, so neither PostgreSQL nor Redis is needed; the configuration is a fixed
 * placeholder, never the caller's environment, so the output depends on the code alone.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { loadConfig } from '@app/config';
import { DbHandle } from '@app/db';
import { ApiModule } from '../apps/api/src/api.module';
import { configureApi } from '../apps/api/src/configure-api';
import { canonicalJson, openApiDocument } from '../apps/api/src/openapi/openapi-document';

export const OPENAPI_FILE = join(__dirname, '..', 'docs', 'openapi.json');

export async function generateOpenApi(): Promise<string> {
  const config = loadConfig('api', {
    NODE_ENV: 'development',
    DATABASE_URL: 'postgres://openapi@127.0.0.1:1/openapi',
    JWT_SECRET: 'openapi-generation-only-not-a-real-secret',
    LOG_LEVEL: 'silent',
  });
  const app = await NestFactory.create<NestFastifyApplication>(
    ApiModule.forRoot(config, {} as DbHandle),
    new FastifyAdapter(),
    { preview: true, logger: false, abortOnError: false },
  );
  await configureApi(app, config);
  const json = canonicalJson(openApiDocument(app));
  await app.close();
  return json;
}

if (require.main === module) {
  generateOpenApi()
    .then((json) => {
      writeFileSync(OPENAPI_FILE, json);
      console.log(`wrote ${OPENAPI_FILE} (${json.length} bytes)`);
    })
    .catch((error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    });
}
