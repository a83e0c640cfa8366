export * from './domain-error';
export * from './micro-batcher';
export * from './pagination';
export * from './seeded-random';
export * from './timeouts';
