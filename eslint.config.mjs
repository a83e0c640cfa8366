// @ts-check
import tseslint from 'typescript-eslint';
import importPlugin from 'eslint-plugin-import';

const SQL_LIBRARIES = {
  paths: [
    { name: 'drizzle-orm', message: 'SQL lives in *.repository.ts files and libs/db.' },
    { name: 'pg', message: 'SQL lives in *.repository.ts files and libs/db.' },
  ],
  patterns: [{ group: ['drizzle-orm/*'], message: 'SQL lives in *.repository.ts files and libs/db.' }],
};

const PURE_PARSING = {
  paths: [
    ...SQL_LIBRARIES.paths,
    { name: 'ioredis', message: 'libs/parsing is the pure reading stack: no Redis.' },
    { name: 'bullmq', message: 'libs/parsing is the pure reading stack: no queue.' },
  ],
  patterns: [
    ...SQL_LIBRARIES.patterns,
    { group: ['@nestjs/*'], message: 'libs/parsing is the pure reading stack: no Nest.' },
    { group: ['@app/*', '@app/*/**'], message: 'libs/parsing depends on no other lib of the app (they depend on it).' },
    { group: ['**/src/seed/**', '**/test/support/**'], message: 'libs/parsing has its own test helpers in libs/parsing/test.' },
  ],
};

// Its specs and test helpers may also use the seeded PRNG in libs/common (import-free, shared with the seed's
// sample files); the lib's own code still depends on no other lib.
const PURE_PARSING_TESTS = {
  paths: PURE_PARSING.paths,
  patterns: PURE_PARSING.patterns.map((pattern) =>
    pattern.group.includes('@app/*') ? { regex: '^@app/(?!common/seeded-random$)', message: pattern.message } : pattern,
  ),
};

export default tseslint.config(
  { ignores: ['dist/**', '.test-dist/**', 'node_modules/**', 'coverage/**', '**/*.js', '**/*.mjs', 'libs/db/migrations/**', 'drizzle.config.ts'] },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    plugins: { import: importPlugin },
    settings: { 'import/resolver': { typescript: { project: './tsconfig.json' } } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/require-await': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/no-extraneous-class': 'off',
      'import/no-cycle': ['error', { maxDepth: 10 }],
      'no-restricted-imports': ['error', SQL_LIBRARIES],
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'Configuration is read and validated in libs/config only.' },
      ],
    },
  },
  {
    // libs/config reads the environment; tests set up and spawn processes with it (and specs read their own
    // replay knobs, e.g. FUZZ_SEED); benchmarks are operator scripts driven by BENCH_* variables, not the
    // service's configuration.
    files: ['libs/config/**', 'test/**', 'bench/**', '**/*.spec.ts', 'libs/*/test/**'],
    rules: { 'no-restricted-properties': 'off' },
  },
  {
    // Where SQL is allowed: repositories, the db library, tests and benchmarks that set up data.
    files: ['**/*.repository.ts', 'libs/db/**', 'test/**', 'bench/**', 'drizzle.config.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    // The pure reading stack: no Nest, no database, no Redis, no other lib of the app (specs included).
    files: ['libs/parsing/**'],
    rules: { 'no-restricted-imports': ['error', PURE_PARSING] },
  },
  {
    files: ['libs/parsing/test/**', 'libs/parsing/**/*.spec.ts'],
    rules: { 'no-restricted-imports': ['error', PURE_PARSING_TESTS] },
  },
  {
    files: ['**/*.spec.ts', 'test/**', 'bench/**'],
    rules: {
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      // expect(fake.method) reads a jest.fn, which has no `this` to lose.
      '@typescript-eslint/unbound-method': 'off',
    },
  },
);
