import { randomUUID } from 'node:crypto';
import { IncomingMessage, ServerResponse } from 'node:http';
import { hostname } from 'node:os';
import { Module, RequestMethod } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { levels } from 'pino';
import { AppConfig } from '@app/config';
import { boundLogLine, serializeError } from './log-line-bound';

export const REQUEST_ID_HEADER = 'x-request-id';
const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** A caller's x-request-id when it looks sane, else a fresh UUID; echoed on the response. */
export function requestIdFor(req: IncomingMessage, res?: ServerResponse): string {
  const given = req.headers[REQUEST_ID_HEADER];
  const id = typeof given === 'string' && SAFE_REQUEST_ID.test(given) ? given : randomUUID();
  res?.setHeader(REQUEST_ID_HEADER, id);
  return id;
}

/**
 * Probes and Prometheus scrapes: polled every few seconds by machines, so an access line each would drown the
 * log (their counts and latencies are in datasync_http_request_duration_seconds).
 */
export function isMachinePoll(url: string): boolean {
  const path = url.split('?', 1)[0];
  return path.startsWith('/health/') || path === '/metrics';
}

interface RawRequest {
  id: string;
  method?: string;
  url?: string;
  /** Set by the middleware layer, which rewrites `url` relative to its mount point. */
  originalUrl?: string;
}

/**
 * JSON logs (pino) with the request id on every line logged while serving a request.
 * Kept cheap per request, since every request pays it: the service name is a base binding (not a
 * child logger per request), serializers read the raw request (no intermediate copy of it; headers,
 * hence tokens and cookies, are never logged, so nothing needs redacting), and the access line (logged
 * at info) installs its response hooks only when the level lets it print: LOG_LEVEL=info (the default)
 * keeps access logs, warn and above skip their per-request cost. Probes and scrapes get no access line. Every line is bounded (8 KB: long fields
 * cut with their length noted), and a failed query is logged without its parameters.
 */
@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => {
        // 'silent' has no numeric value: no access logs.
        const accessLogs = (levels.values[config.app.logLevel] ?? Infinity) <= levels.values.info;
        return {
          // Named wildcard (path-to-regexp 8 syntax); the default '*' triggers a legacy-route warning.
          forRoutes: [{ path: '{*path}', method: RequestMethod.ALL }],
          pinoHttp: {
            level: config.app.logLevel,
            base: { pid: process.pid, hostname: hostname(), service: `data-sync-${config.app.mode}` },
            genReqId: requestIdFor,
            autoLogging: accessLogs
              ? {
                  ignore: (req: IncomingMessage & Pick<RawRequest, 'originalUrl'>) =>
                    isMachinePoll(req.originalUrl ?? req.url ?? ''),
                }
              : false,
            wrapSerializers: false,
            serializers: {
              req: (req: RawRequest) => ({ id: req.id, method: req.method, url: req.originalUrl ?? req.url }),
              res: (res: ServerResponse) => ({ statusCode: res.statusCode }),
              err: serializeError,
            },
            hooks: { streamWrite: boundLogLine },
          },
        };
      },
    }),
  ],
})
export class LoggingModule {}
