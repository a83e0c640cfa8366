import { join } from 'node:path';
import { Injectable, Logger } from '@nestjs/common';
import { AuthService, UsersRepository } from '@app/auth';
import { CacheService } from '@app/cache';
import { AppConfig } from '@app/config';
import { CatalogService, TemplatesRepository } from '@app/sync-tasks';
import { AccountsRepository } from '../../apps/api/src/accounts/accounts.repository';
import { ComponentVersionsRepository } from '../../apps/api/src/component-versions/component-versions.repository';
import { DEMO_ACCOUNTS, DEMO_COMPONENT_VERSIONS, DEMO_USERS } from './demo-data';
import { writeSampleFiles } from './sample-files';
import { SAMPLE_TEMPLATES } from './sample-templates';

export interface SeedReport {
  usersCreated: string[];
  sampleFiles: string[];
}

/** Idempotent demo data: users, accounts, component versions, templates and sample export files. */
@Injectable()
export class SeedService {
  private readonly logger = new Logger(SeedService.name);

  constructor(
    private readonly config: AppConfig,
    private readonly auth: AuthService,
    private readonly users: UsersRepository,
    private readonly accounts: AccountsRepository,
    private readonly versions: ComponentVersionsRepository,
    private readonly templates: TemplatesRepository,
    private readonly catalog: CatalogService,
    private readonly cache: CacheService,
  ) {}

  async seed(): Promise<SeedReport> {
    const usersCreated = await this.seedUsers();
    for (const account of DEMO_ACCOUNTS) await this.accounts.insertIfAbsent(account);
    for (const version of DEMO_COMPONENT_VERSIONS) await this.versions.insertIfAbsent(version);
    for (const template of SAMPLE_TEMPLATES) await this.templates.insertIfAbsent(template);
    const samplesDir = join(this.config.app.dataDir, 'samples');
    const sampleFiles = await writeSampleFiles(samplesDir);
    const scan = await this.catalog.scan(samplesDir, [samplesDir]);
    // A running API may have cached these reads: seeding writes through repositories, so drop them here.
    await this.cache.invalidate('accounts', 'account_stats', 'component_versions', 'templates');
    this.logger.log(
      `seeded: ${usersCreated.length} new users, ${sampleFiles.length} sample files (${scan.registered.length} newly catalogued)`,
    );
    return { usersCreated, sampleFiles };
  }

  private async seedUsers(): Promise<string[]> {
    if (this.config.app.isProduction) {
      this.logger.warn('production: demo users are not created; use `cli users:create`');
      return [];
    }
    const created: string[] = [];
    for (const user of DEMO_USERS) {
      if (await this.users.findByUsername(user.username)) continue;
      await this.auth.createUser(user.username, user.password, user.role);
      created.push(user.username);
    }
    return created;
  }
}
