export * from './templates/templates.module';
export * from './templates/templates.repository';
