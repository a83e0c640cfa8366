import { Injectable, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { MetricsService } from './metrics.service';

/** Label for requests no route matched: one series, not one per probed URL. */
const UNMATCHED = 'unmatched';

/**
 * Times every HTTP request in Fastify's onResponse hook, labelled by the route *template*
 * (`/api/data-sync/task-status/:taskId`), so the series stay bounded whatever ids clients send.
 */
@Injectable()
export class HttpMetricsHook implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly metrics: MetricsService,
  ) {}

  onModuleInit(): void {
    // An application context without HTTP (CLI, benchmarks) has no adapter.
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (!fastify?.addHook) return;
    const histogram = this.metrics.httpDuration;
    fastify.addHook('onResponse', (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
      histogram.observe(
        { method: request.method, route: request.routeOptions.url ?? UNMATCHED, status: String(reply.statusCode) },
        reply.elapsedTime / 1000,
      );
      done();
    });
  }
}
