import { Injectable } from '@nestjs/common';
import { DomainError, Page, PageQuery } from '@app/common';
import {
  ComponentVersion,
  ComponentVersionFilter,
  ComponentVersionsRepository,
  DuplicateComponentVersionError,
  NewComponentVersion,
} from './component-versions.repository';
import { ComponentVersionDto, CreateComponentVersionDto, UpdateComponentVersionDto } from './dto/component-version.dto';

@Injectable()
export class ComponentVersionsService {
  constructor(private readonly versions: ComponentVersionsRepository) {}

  async list(filter: ComponentVersionFilter, page: PageQuery): Promise<Page<ComponentVersionDto>> {
    const { items, total } = await this.versions.list(filter, page);
    return { items: items.map(toDto), total, page: page.page, page_size: page.pageSize };
  }

  async get(id: number): Promise<ComponentVersionDto> {
    const row = await this.versions.findById(id);
    if (!row) throw DomainError.notFound('ComponentVersion', id);
    return toDto(row);
  }

  async create(input: CreateComponentVersionDto): Promise<ComponentVersionDto> {
    return toDto(await this.guardDuplicate(input, () => this.versions.insert(fromDto(input) as NewComponentVersion)));
  }

  async update(id: number, input: UpdateComponentVersionDto): Promise<ComponentVersionDto> {
    const row = await this.guardDuplicate(input, () => this.versions.update(id, fromDto(input)));
    if (!row) throw DomainError.notFound('ComponentVersion', id);
    return toDto(row);
  }

  async remove(id: number): Promise<void> {
    if (!(await this.versions.delete(id))) throw DomainError.notFound('ComponentVersion', id);
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
