import { Injectable, OnModuleInit } from '@nestjs/common';
import { CacheService, CacheWarmer, JsonBytes } from '@app/cache';
import { DomainError } from '@app/common';
import { DuplicateTemplateError, NewTemplate, Template, TemplatesRepository } from '@app/sync-tasks';
import { CreateTemplateDto, TemplateDto, UpdateTemplateDto } from './dto/template.dto';

@Injectable()
export class TemplatesService implements OnModuleInit {
  constructor(
    private readonly templates: TemplatesRepository,
    private readonly cache: CacheService,
    private readonly warmer: CacheWarmer,
  ) {}

  onModuleInit(): void {
    this.warmer.register('templates', {}, () => this.loadList());
  }

  list(platform?: string): Promise<JsonBytes<TemplateDto[]>> {
    return this.cache.getOrLoad('templates', { platform }, () => this.loadList(platform));
  }

  async get(id: number): Promise<TemplateDto> {
    const row = await this.templates.findById(id);
    if (!row) throw DomainError.notFound('Template', id);
    return toDto(row);
  }

  async create(input: CreateTemplateDto): Promise<TemplateDto> {
    const values = fromDto(input) as NewTemplate;
    assertConsistent(values.columns, values.dedupFields, values.dateField);
    const row = await this.guardDuplicate(() => this.templates.insert(values));
    await this.cache.invalidate('templates');
    return toDto(row);
  }

  async update(id: number, input: UpdateTemplateDto): Promise<TemplateDto> {
    const current = await this.templates.findById(id);
    if (!current) throw DomainError.notFound('Template', id);
    const values = fromDto(input);
    assertConsistent(
      values.columns ?? current.columns,
      values.dedupFields ?? current.dedupFields,
      values.dateField ?? current.dateField,
    );
    const row = await this.guardDuplicate(() => this.templates.update(id, values));
    if (!row) throw DomainError.notFound('Template', id);
    await this.cache.invalidate('templates');
    return toDto(row);
  }

  async remove(id: number): Promise<void> {
    if (!(await this.templates.delete(id))) throw DomainError.notFound('Template', id);
    await this.cache.invalidate('templates');
  }

  private async loadList(platform?: string): Promise<TemplateDto[]> {
    return (await this.templates.list(platform)).map(toDto);
  }

  private async guardDuplicate<T>(write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (error) {
      if (error instanceof DuplicateTemplateError) {
        throw new DomainError('DUPLICATE', 'A template for this platform/domain/sub-domain/granularity exists');
      }
      throw error;
    }
  }
}

/** Dedup and date fields must name declared columns, and column names must be unique. */
function assertConsistent(columns: { name: string }[], dedupFields: string[], dateField?: string | null): void {
  const names = columns.map((c) => c.name);
  const problems: { field: string; errors: string[] }[] = [];
  const duplicates = names.filter((n, i) => names.indexOf(n) !== i);
  if (duplicates.length)
    problems.push({ field: 'columns', errors: [`duplicate column names: ${duplicates.join(', ')}`] });
  const unknown = dedupFields.filter((f) => !names.includes(f));
  if (unknown.length) problems.push({ field: 'dedup_fields', errors: [`not among columns: ${unknown.join(', ')}`] });
  if (dateField && !names.includes(dateField))
    problems.push({ field: 'date_field', errors: [`not among columns: ${dateField}`] });
  if (problems.length) {
    throw new DomainError(
      'VALIDATION_FAILED',
      problems.map((p) => `${p.field}: ${p.errors.join(', ')}`).join('; '),
      problems,
    );
  }
}

function fromDto(input: UpdateTemplateDto): Partial<NewTemplate> {
  const values: Partial<NewTemplate> = {
    platform: input.platform,
    dataDomain: input.data_domain,
    subDomain: input.sub_domain,
    granularity: input.granularity,
    headerRow: input.header_row,
    columns: input.columns?.map(({ name, type }) => ({ name, type })),
    dedupFields: input.dedup_fields,
    dateField: input.date_field,
    published: input.published,
  };
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined));
}

function toDto(row: Template): TemplateDto {
  return {
    id: row.id,
    platform: row.platform,
    data_domain: row.dataDomain,
    sub_domain: row.subDomain,
    granularity: row.granularity,
    header_row: row.headerRow,
    columns: row.columns,
    dedup_fields: row.dedupFields,
    date_field: row.dateField,
    published: row.published,
    created_at: row.createdAt,
    updated_at: row.updatedAt,
  };
}
