import { Controller, Get, Header, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { FastifyReply } from 'fastify';
import { Public } from '@app/auth';
import { MetricsService } from './metrics.service';

/**
 * Prometheus exposition at `/metrics` (outside /api). Public to the process, never to the world:
 * Nginx and the Ingress refuse it, Prometheus scrapes each instance on its own port.
 */
@ApiExcludeController()
@Public()
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  @Get()
  @Header('Cache-Control', 'no-store')
  async scrape(@Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    const text = await this.metrics.scrape();
    void reply.type(this.metrics.contentType);
    return text;
  }
}
