export * from './health.module';
export * from './http-app';
export * from './infra.module';
export * from './logging.module';
export * from './health.registry';
export * from './metrics';
export * from './log-line-bound';
export * from './shutdown';
