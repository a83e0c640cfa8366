export * from './domain-error';
export * from './pagination';
