import { DbSettings } from '@app/config';
import { DbHandle } from './database';
import { openPglite } from './pglite';
import { openPostgres } from './postgres';

export function openDatabase(settings: DbSettings): Promise<DbHandle> {
  return settings.url
    ? Promise.resolve(openPostgres({ ...settings, url: settings.url }))
    : openPglite(settings.pgliteDir);
}
