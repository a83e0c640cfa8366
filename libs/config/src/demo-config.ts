import { resolve } from 'node:path';
import { ConfigError } from './app-config';

/** What `npm run demo` needs: the service to drive and the demo users (see the README's demo variables). */
export interface DemoConfig {
  baseUrl: string;
  user: string;
  password: string;
  adminUser: string;
  adminPassword: string;
  timeoutMs: number;
  repoRoot: string;
  dataDir: string;
}

/** The demo's settings, validated; every bad variable named in one ConfigError. */
export function loadDemoConfig(repoRoot: string, env: NodeJS.ProcessEnv = process.env): DemoConfig {
  const problems: string[] = [];
  const baseUrl = (env.DEMO_URL || `http://127.0.0.1:${env.PORT || 3000}`).replace(/\/+$/, '');
  if (!URL.canParse(baseUrl)) problems.push(`DEMO_URL: not a URL: ${baseUrl}`);
  const timeoutMs = Number(env.DEMO_TIMEOUT_MS ?? 600_000);
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0)
    problems.push(`DEMO_TIMEOUT_MS: must be a positive number of milliseconds, got ${env.DEMO_TIMEOUT_MS}`);
  if (problems.length) throw new ConfigError(problems);
  return {
    baseUrl,
    user: env.DEMO_USER || 'demo',
    password: env.DEMO_PASSWORD || 'demo12345',
    adminUser: env.DEMO_ADMIN_USER || 'admin',
    adminPassword: env.DEMO_ADMIN_PASSWORD || 'admin12345',
    timeoutMs,
    repoRoot,
    dataDir: resolve(repoRoot, env.DATA_DIR || './.data'),
  };
}

/** A copy of this process's environment, for a child process that should inherit it (the demo's server). */
export function inheritedEnv(): NodeJS.ProcessEnv {
  return { ...process.env };
}
