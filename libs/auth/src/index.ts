export * from './auth.module';
export * from './auth.service';
export * from './auth.types';
export * from './decorators';
export * from './guards';
export * from './password.service';
export * from './users.repository';
