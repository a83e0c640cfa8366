import { RequestMethod } from '@nestjs/common';
import multipart from '@fastify/multipart';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppConfig } from '@app/config';
import { SwaggerModule } from '@nestjs/swagger';
import { openApiDocument } from './openapi/openapi-document';
import { limitJsonNesting } from './common/json-nesting';

/** Routes outside the /api prefix: probes and metrics, which orchestrators call by fixed paths, and the admin login. */
const UNPREFIXED = [
  { path: 'health/live', method: RequestMethod.GET },
  { path: 'health/ready', method: RequestMethod.GET },
  { path: 'metrics', method: RequestMethod.GET },
  // The queue dashboard's login (the dashboard itself is a Fastify plugin at /admin/queues).
  { path: 'admin/login', method: RequestMethod.GET },
  { path: 'admin/login.js', method: RequestMethod.GET },
  { path: 'admin/login', method: RequestMethod.POST },
  { path: 'admin/logout', method: RequestMethod.POST },
];

/** JSON and multipart body parsing, the /api prefix and the OpenAPI document (UI at /api/docs, JSON at /api/docs-json). */
export async function configureApi(app: NestFastifyApplication, config: AppConfig): Promise<void> {
  // Uploads stream to disk; the limit is enforced while streaming (413), not after buffering.
  await app.register(multipart, {
    limits: { fileSize: config.limits.uploadMaxBytes, files: 1, fields: 20, fieldSize: 4_096 },
  });
  limitJsonNesting(app);
  app.setGlobalPrefix('api', { exclude: UNPREFIXED });
  SwaggerModule.setup('api/docs', app, openApiDocument(app), { jsonDocumentUrl: 'api/docs-json' });
}
