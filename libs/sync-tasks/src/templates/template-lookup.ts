import { Injectable } from '@nestjs/common';
import { CacheService } from '@app/cache';
import { Template, TemplateKey, TemplatesRepository } from './templates.repository';

/** Finds the published template for a file's kind, if one exists. */
export type FindTemplate = (key: TemplateKey) => Promise<Template | undefined>;

/**
 * Published templates as one task run sees them: each kind is looked up once per run, not once per file (a
 * batch of small files of one kind asked the same question a hundred times). A run starts with nothing
 * remembered, so a task submitted after a template write's response reads the new template. A write during
 * a run invalidates the `templates` cache type; once this process hears of it (its own write, or another
 * process's over the invalidation bus, within milliseconds), running tasks look templates up again.
 */
@Injectable()
export class TemplateLookup {
  private generation = 0;

  constructor(
    private readonly templates: TemplatesRepository,
    cache: CacheService,
  ) {
    cache.onInvalidated((types) => {
      if (types.includes('templates')) this.generation++;
    });
  }

  /** A lookup for one task run. */
  forRun(): FindTemplate {
    const found = new Map<string, Template | undefined>();
    let generation = this.generation;
    return async (key) => {
      if (generation !== this.generation) {
        found.clear();
        generation = this.generation;
      }
      const id = JSON.stringify([key.platform, key.dataDomain, key.subDomain, key.granularity]);
      if (found.has(id)) return found.get(id);
      const template = await this.templates.findPublished(key);
      // A write heard while this read ran may not be in its result: keep it only if none was.
      if (generation === this.generation) found.set(id, template);
      return template;
    };
  }
}
