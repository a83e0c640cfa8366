import { IncomingMessage, STATUS_CODES } from 'node:http';
import { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { INestApplication, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'nestjs-pino';
import { TrustProxy } from '@app/config';
import { requestIdFor } from './logging.module';

export interface HttpAppOptions {
  /** Fastify body limit in bytes (JSON and uploads). */
  bodyLimit?: number;
  /** Close the app on SIGTERM/SIGINT (default). Off when the entry point runs its own shutdown. */
  shutdownHooks?: boolean;
  /** Peers whose X-Forwarded-For gives `request.ip` (config `TRUST_PROXY`); default loopback only. */
  trustProxy?: TrustProxy;
}

/** A Nest app on Fastify with pino logs, request ids and shutdown hooks. */
export async function createHttpApp(
  module: Type<unknown> | object,
  options: HttpAppOptions = {},
): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    logger: false,
    bodyLimit: options.bodyLimit ?? 1_048_576,
    genReqId: (req: IncomingMessage) => requestIdFor(req),
    // X-Forwarded-For names the client only when the peer is a proxy we run (Nginx overwrites the header).
    trustProxy: options.trustProxy ?? ['loopback'],
    frameworkErrors: answerFrameworkError,
  });
  const app = await NestFactory.create<NestFastifyApplication>(module as Type<unknown>, adapter, {
    bufferLogs: true,
    abortOnError: false, // let the entry point report a failed start and exit non-zero
  });
  app.useLogger(app.get(Logger));
  if (options.shutdownHooks ?? true) app.enableShutdownHooks();
  return app;
}

/**
 * Errors the router raises before any route runs (a URL it cannot decode, a path parameter over
 * maxParamLength), answered with the one error body instead of Fastify's own.
 */
function answerFrameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const statusCode = error.statusCode && error.statusCode < 500 ? error.statusCode : 400;
  void reply.code(statusCode).send({
    statusCode,
    error: STATUS_CODES[statusCode] ?? 'Bad Request',
    code: 'VALIDATION_FAILED',
    message: error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 'A path parameter is too long' : 'The URL is malformed',
    requestId: String(request.id),
  });
}

export async function listen(app: INestApplication, port: number, host: string): Promise<string> {
  await app.listen(port, host);
  const server = app.getHttpServer() as { address(): { port: number } | string };
  const address = server.address();
  const actualPort = typeof address === 'string' ? port : address.port;
  return `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${actualPort}`;
}
