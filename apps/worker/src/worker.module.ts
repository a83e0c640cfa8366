import { Module } from '@nestjs/common';

/**
 * The sync-queue consumers. Processors arrive with the ingest pipeline; the module exists
 * now so the worker process and the single-process entry already host it.
 */
@Module({})
export class WorkerModule {}
