import { Injectable, OnModuleInit } from '@nestjs/common';
import { CacheService, CacheWarmer, JsonBytes } from '@app/cache';
import { DomainError, Page, PageQuery } from '@app/common';
import { Account, AccountFilter, AccountsRepository, DuplicateAccountError, NewAccount } from './accounts.repository';
import { AccountDto, AccountStatsDto, CreateAccountDto, UpdateAccountDto } from './dto/account.dto';

/** The first page a client opens, without filters: what warm-up precomputes. */
const DEFAULT_LIST = { filter: {}, page: { page: 1, pageSize: 20 } } as const;

@Injectable()
export class AccountsService implements OnModuleInit {
  constructor(
    private readonly accounts: AccountsRepository,
    private readonly cache: CacheService,
    private readonly warmer: CacheWarmer,
  ) {}

  onModuleInit(): void {
    const { filter, page } = DEFAULT_LIST;
    this.warmer.register('accounts', listParams(filter, page), () => this.loadList(filter, page));
    this.warmer.register('account_stats', {}, () => this.loadStats());
  }

  list(filter: AccountFilter, page: PageQuery): Promise<JsonBytes<Page<AccountDto>>> {
    return this.cache.getOrLoad('accounts', listParams(filter, page), () => this.loadList(filter, page));
  }

  stats(): Promise<JsonBytes<AccountStatsDto>> {
    return this.cache.getOrLoad('account_stats', {}, () => this.loadStats());
  }

  async get(id: number): Promise<AccountDto> {
    const row = await this.accounts.findById(id);
    if (!row) throw DomainError.notFound('Account', id);
    return toDto(row);
  }

  async create(input: CreateAccountDto): Promise<AccountDto> {
    const row = await this.guardDuplicate(input, () => this.accounts.insert(fromDto(input) as NewAccount));
    await this.invalidate();
    return toDto(row);
  }

  async update(id: number, input: UpdateAccountDto): Promise<AccountDto> {
    const row = await this.guardDuplicate(input, () => this.accounts.update(id, fromDto(input)));
    if (!row) throw DomainError.notFound('Account', id);
    await this.invalidate();
    return toDto(row);
  }

  async remove(id: number): Promise<void> {
    if (!(await this.accounts.delete(id))) throw DomainError.notFound('Account', id);
    await this.invalidate();
  }

  /** Before the write's response: the writer's next read, on any replica, is fresh. */
  private invalidate(): Promise<void> {
    return this.cache.invalidate('accounts', 'account_stats');
  }

  private async loadList(filter: AccountFilter, page: PageQuery): Promise<Page<AccountDto>> {
    const { items, total } = await this.accounts.list(filter, page);
    return { items: items.map(toDto), total, page: page.page, page_size: page.pageSize };
  }

  private async loadStats(): Promise<AccountStatsDto> {
    const [counts, ingest] = await Promise.all([
      this.accounts.countsByPlatformRegion(),
      this.accounts.ingestCountsByPlatform(),
    ]);
    const stats: AccountStatsDto = {
      total: 0,
      active: 0,
      inactive: 0,
      platforms: 0,
      platform_breakdown: {},
      by_region: {},
      ingest: {},
    };
    for (const { platform, region, enabled, n } of counts) {
      const entry = (stats.platform_breakdown[platform] ??= { total: 0, active: 0, inactive: 0 });
      entry.total += n;
      stats.total += n;
      if (enabled) {
        entry.active += n;
        stats.active += n;
      } else {
        entry.inactive += n;
        stats.inactive += n;
      }
      const regionKey = region ?? 'unknown';
      stats.by_region[regionKey] = (stats.by_region[regionKey] ?? 0) + n;
    }
    stats.platforms = Object.keys(stats.platform_breakdown).length;
    for (const { platform, status, files, rows } of ingest) {
      const entry = (stats.ingest[platform] ??= { files: 0, files_by_status: {}, rows_ingested: 0 });
      entry.files += files;
      entry.files_by_status[status] = files;
      entry.rows_ingested += rows;
    }
    return stats;
  }

  private async guardDuplicate<T>(input: { platform?: string; shop_id?: string }, write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (error) {
      if (!(error instanceof DuplicateAccountError)) throw error;
      throw new DomainError('DUPLICATE', 'An account with this platform and shop_id already exists', {
        platform: input.platform,
        shop_id: input.shop_id,
      });
    }
  }
}

function listParams(filter: AccountFilter, page: PageQuery) {
  return { platform: filter.platform, enabled: filter.enabled, q: filter.q, page: page.page, page_size: page.pageSize };
}

function fromDto(input: UpdateAccountDto): Partial<NewAccount> {
  const values: Partial<NewAccount> = {
    platform: input.platform,
    shopId: input.shop_id,
    name: input.name,
    region: input.region,
    loginName: input.login_name,
    enabled: input.enabled,
    ownerUserId: input.owner_user_id,
    notes: input.notes,
  };
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined));
}

function toDto(row: Account): AccountDto {
  return {
    id: row.id,
    platform: row.platform,
    shop_id: row.shopId,
    name: row.name,
    region: row.region,
    login_name: row.loginName,
    enabled: row.enabled,
    owner_user_id: row.ownerUserId,
    notes: row.notes,
    created_at: row.createdAt,
    updated_at: row.updatedAt,
  };
}
