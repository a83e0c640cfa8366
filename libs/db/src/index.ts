export * from './database';
export * from './db.module';
export * from './open-database';
export * from './pglite';
export * from './postgres';
export * as schema from './schema';
export * from './schema';
export * from './pg-errors';
