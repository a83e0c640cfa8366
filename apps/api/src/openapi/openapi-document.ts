import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';

/** The API's OpenAPI document, from its controllers and DTOs: what /api/docs-json serves and docs/openapi.json holds. */
export function openApiDocument(app: INestApplication): OpenAPIObject {
  return SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('data-sync service')
      .setDescription('Ingests e-commerce export files into PostgreSQL through a BullMQ task queue.')
      .setVersion('0.1.0')
      .addBearerAuth()
      .build(),
  );
}

/**
 * The committed form: object keys sorted at every level (arrays keep their order), two-space indent and a final
 * newline, so the file depends on the contract only and its diff shows what changed.
 */
export function canonicalJson(document: unknown): string {
  return `${JSON.stringify(sortKeys(document), null, 2)}\n`;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
  );
}
