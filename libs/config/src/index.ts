export * from './cache';
export * from './app-config';
export * from './config.module';
export * from './demo-config';
export * from './duration';
export * from './rate-limit';
export * from './trust-proxy';
