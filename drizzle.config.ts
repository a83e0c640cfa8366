import { defineConfig } from 'drizzle-kit';

// Generates versioned SQL migrations from libs/db/src/schema.ts: `npx drizzle-kit generate`.
export default defineConfig({
  dialect: 'postgresql',
  schema: './libs/db/src/schema.ts',
  out: './libs/db/migrations',
});
