import { Injectable, OnModuleInit } from '@nestjs/common';
import { CacheService, CacheWarmer, JsonBytes } from '@app/cache';
import { DomainError, Page, PageQuery } from '@app/common';
import {
  ComponentVersion,
  ComponentVersionFilter,
  ComponentVersionsRepository,
  DuplicateComponentVersionError,
  NewComponentVersion,
} from './component-versions.repository';
import { ComponentVersionDto, CreateComponentVersionDto, UpdateComponentVersionDto } from './dto/component-version.dto';

/** The first page a client opens, without filters: what warm-up precomputes. */
const DEFAULT_LIST = { filter: {}, page: { page: 1, pageSize: 20 } } as const;

@Injectable()
export class ComponentVersionsService implements OnModuleInit {
  constructor(
    private readonly versions: ComponentVersionsRepository,
    private readonly cache: CacheService,
    private readonly warmer: CacheWarmer,
  ) {}

  onModuleInit(): void {
    const { filter, page } = DEFAULT_LIST;
    this.warmer.register('component_versions', listParams(filter, page), () => this.loadList(filter, page));
  }

  list(filter: ComponentVersionFilter, page: PageQuery): Promise<JsonBytes<Page<ComponentVersionDto>>> {
    return this.cache.getOrLoad('component_versions', listParams(filter, page), () => this.loadList(filter, page));
  }

  async get(id: number): Promise<ComponentVersionDto> {
    const row = await this.versions.findById(id);
    if (!row) throw DomainError.notFound('ComponentVersion', id);
    return toDto(row);
  }

  async create(input: CreateComponentVersionDto): Promise<ComponentVersionDto> {
    const row = await this.guardDuplicate(input, () => this.versions.insert(fromDto(input) as NewComponentVersion));
    await this.cache.invalidate('component_versions');
    return toDto(row);
  }

  async update(id: number, input: UpdateComponentVersionDto): Promise<ComponentVersionDto> {
    const row = await this.guardDuplicate(input, () => this.versions.update(id, fromDto(input)));
    if (!row) throw DomainError.notFound('ComponentVersion', id);
    await this.cache.invalidate('component_versions');
    return toDto(row);
  }

  async remove(id: number): Promise<void> {
    if (!(await this.versions.delete(id))) throw DomainError.notFound('ComponentVersion', id);
    await this.cache.invalidate('component_versions');
  }

  private async loadList(filter: ComponentVersionFilter, page: PageQuery): Promise<Page<ComponentVersionDto>> {
    const { items, total } = await this.versions.list(filter, page);
    return { items: items.map(toDto), total, page: page.page, page_size: page.pageSize };
  }

  private async guardDuplicate<T>(input: UpdateComponentVersionDto, write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (error) {
      if (!(error instanceof DuplicateComponentVersionError)) throw error;
      const { platform, component, version } = input;
      throw new DomainError('DUPLICATE', 'This platform/component/version already exists', {
        platform,
        component,
        version,
      });
    }
  }
}

function listParams(filter: ComponentVersionFilter, page: PageQuery) {
  const { platform, component, active } = filter;
  return { platform, component, active, page: page.page, page_size: page.pageSize };
}

function fromDto(input: UpdateComponentVersionDto): Partial<NewComponentVersion> {
  const values: Partial<NewComponentVersion> = {
    platform: input.platform,
    component: input.component,
    version: input.version,
    isStable: input.is_stable,
    isActive: input.is_active,
    usageCount: input.usage_count,
    successCount: input.success_count,
  };
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined));
}

function toDto(row: ComponentVersion): ComponentVersionDto {
  return {
    id: row.id,
    platform: row.platform,
    component: row.component,
    version: row.version,
    is_stable: row.isStable,
    is_active: row.isActive,
    usage_count: row.usageCount,
    success_count: row.successCount,
    success_rate: row.usageCount > 0 ? Math.round((row.successCount / row.usageCount) * 10_000) / 10_000 : null,
    created_at: row.createdAt,
    updated_at: row.updatedAt,
  };
}
