export * from './quota.module';
export * from './quota.service';
