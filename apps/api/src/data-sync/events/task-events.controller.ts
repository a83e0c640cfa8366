import { Controller, Get, Headers, Query, Res } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiHeader,
  ApiOkResponse,
  ApiProduces,
  ApiTags,
  ApiTooManyRequestsResponse,
} from '@nestjs/swagger';
import { FastifyReply } from 'fastify';
import { AuthUser, CurrentUser } from '@app/auth';
import { TaskEventsQueryDto } from './task-events.dto';
import { SseStream } from './sse-stream';
import { TaskEventsService } from './task-events.service';

@ApiTags('data sync: tasks')
@ApiBearerAuth()
@Controller('data-sync')
export class TaskEventsController {
  constructor(private readonly events: TaskEventsService) {}

  @Get('events')
  @ApiProduces('text/event-stream')
  @ApiHeader({
    name: 'Last-Event-ID',
    required: false,
    description: 'resume after this event id (EventSource sends it when it reconnects); kept ≥ 5 min',
  })
  @ApiOkResponse({
    description:
      'Server-Sent Events of your tasks (admins: all, or one user). `event: state` on every status change, ' +
      '`event: progress` while a task runs (≤ 2/s per task), `event: reset` when the history asked for is gone ' +
      '(reload with GET /data-sync/tasks?ids=). Each `data:` is a TaskEvent: ' +
      '{type, task_id, user_id, status, progress, error, at}; each event has an `id:`. A `: heartbeat` comment every 15 s.',
    content: {
      'text/event-stream': {
        schema: {
          type: 'string',
          example:
            'id: 1733320000000-0\nevent: state\ndata: {"type":"state","task_id":"…","user_id":3,"status":"active","progress":null,"error":null,"at":"2026-12-04T17:00:00.000Z"}\n\n',
        },
      },
    },
  })
  @ApiTooManyRequestsResponse({ description: 'too many open streams for this user (SSE_MAX_STREAMS_PER_USER)' })
  async stream(
    @Query() query: TaskEventsQueryDto,
    @CurrentUser() user: AuthUser,
    @Headers('last-event-id') lastEventId: string | undefined,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    await this.events.open(user, query.user_id, lastEventId, () => SseStream.start(reply));
  }
}
