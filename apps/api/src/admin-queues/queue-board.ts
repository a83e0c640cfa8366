import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { InjectQueue } from '@nestjs/bullmq';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter as BoardFastifyAdapter } from '@bull-board/fastify';
import { Queue } from 'bullmq';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppConfig } from '@app/config';
import { SYNC_QUEUE } from '@app/sync-tasks';
import { errorBody } from '../common/error-body';
import { ADMIN_COOKIE, AdminSessionService, readCookie } from './admin-session.service';

export const BOARD_PATH = '/admin/queues';
export const LOGIN_PATH = '/admin/login';

/**
 * bull-board's UI and JSON API at /admin/queues, mounted straight on Fastify (it is a Fastify plugin, not Nest
 * routes), inside an encapsulated scope whose onRequest hook admits only a valid admin session cookie: a page
 * load without one is sent to the login page, anything else gets 401 in the error body. Read-only unless
 * ADMIN_QUEUES_ACTIONS=true (then retry, clean, promote and remove work).
 */
@Injectable()
export class QueueBoard implements OnModuleInit {
  private readonly logger = new Logger(QueueBoard.name);

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly sessions: AdminSessionService,
    private readonly config: AppConfig,
    @InjectQueue(SYNC_QUEUE) private readonly queue: Queue,
  ) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (!fastify?.register || !this.config.admin.queuesEnabled) return;
    const actions = this.config.admin.queueActions;
    const board = new BoardFastifyAdapter();
    board.setBasePath(BOARD_PATH);
    createBullBoard({
      queues: [
        new BullMQAdapter(this.queue, {
          readOnlyMode: !actions,
          allowRetries: actions,
          description: 'sync tasks (job id = task id)',
        }),
      ],
      serverAdapter: board,
      options: { uiConfig: { boardTitle: 'data-sync queues' } },
    });
    void fastify.register(async (scope) => {
      scope.addHook('onRequest', (request, reply) => this.admit(request, reply));
      await scope.register(board.registerPlugin(), { prefix: BOARD_PATH });
    });
    this.logger.log(`queue dashboard at ${BOARD_PATH} (${actions ? 'actions enabled' : 'read-only'})`);
  }

  private async admit(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    if (await this.sessions.verify(readCookie(request.headers.cookie, ADMIN_COOKIE))) return;
    const pageLoad = request.method === 'GET' && (request.headers.accept ?? '').includes('text/html');
    if (pageLoad) {
      await reply.redirect(`${LOGIN_PATH}?next=${encodeURIComponent(request.url)}`, 303);
      return;
    }
    await reply
      .code(401)
      .send(
        errorBody(401, 'INVALID_TOKEN', `Log in at ${LOGIN_PATH} with an admin account to use the queue dashboard`),
      );
  }
}
