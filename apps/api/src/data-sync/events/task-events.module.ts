import { Module } from '@nestjs/common';
import { TaskEventHub } from './task-event-hub';
import { TaskEventsController } from './task-events.controller';
import { TaskEventsService } from './task-events.service';

/** `GET /data-sync/events`: the task events the worker and the API publish to Redis, as Server-Sent Events. */
@Module({ controllers: [TaskEventsController], providers: [TaskEventHub, TaskEventsService] })
export class TaskEventsModule {}
