import { statfs } from 'node:fs/promises';
import { Injectable, OnModuleInit } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { MetricsService } from './metrics.service';

/**
 * Free and total bytes of the file system holding DATA_DIR, at every scrape: uploads land there and catalog rows
 * point to them, so a full volume stops uploads and ingest (alert DataSyncDataDirFilling). The service's own
 * gauge works the same under systemd, compose and Kubernetes (a node exporter does not see a pod's volume).
 */
@Injectable()
export class DataDirMetrics implements OnModuleInit {
  constructor(
    private readonly metrics: MetricsService,
    private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.metrics.addCollector('data-dir', () => this.collect());
  }

  async collect(): Promise<void> {
    const fs = await statfs(this.config.app.dataDir);
    this.metrics.dataDirFreeBytes.set(fs.bavail * fs.bsize);
    this.metrics.dataDirSizeBytes.set(fs.blocks * fs.bsize);
  }
}
