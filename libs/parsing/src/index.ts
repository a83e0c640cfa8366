export * from './header-check';
export * from './row-hash';
export * from './row-source';
export * from './typed-values';
export * from './storable-text';
