export * from './cache-keys';
export * from './cache-stats.service';
export * from './cache-warmer';
export * from './cache.module';
export * from './cache.service';
export * from './json-bytes';
