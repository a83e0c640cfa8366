import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { AuthService } from '@app/auth';
import { loadConfig } from '@app/config';
import { openDatabase, ROLES, Role } from '@app/db';
import { QuotaService } from '@app/quota';
import { SeedService } from '../seed/seed.service';
import { withCliContext } from './with-cli-context';

const USAGE = `Usage: npm run cli -- <command> [options]
  migrate                                   apply database migrations
  seed                                      demo users, accounts, versions, templates, sample files (idempotent)
  users:create --username U --password P --role admin|premium|normal
  users:set-password --username U --password P
  quota:reconcile                           make the Redis quota agree with sync_tasks`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const { values } = parseArgs({
    args: rest,
    options: { username: { type: 'string' }, password: { type: 'string' }, role: { type: 'string' } },
    strict: true,
  });
  if (!command || command === 'help' || command === '--help') {
    console.log(USAGE);
    return command ? 0 : 2;
  }
  const config = loadConfig('cli');
  const db = await openDatabase(config.db);
  try {
    await db.migrate();
    switch (command) {
      case 'migrate':
        console.log(`migrations applied (${db.kind})`);
        return 0;
      case 'seed': {
        const report = await withCliContext(config, db, (ctx) => ctx.get(SeedService).seed());
        console.log(
          `seed done: users created [${report.usersCreated.join(', ')}], ${report.sampleFiles.length} sample files`,
        );
        return 0;
      }
      case 'users:create': {
        const { username, password } = required(values, 'username', 'password');
        const role = (values.role ?? 'normal') as Role;
        if (!ROLES.includes(role)) throw new Error(`--role must be one of ${ROLES.join(', ')}`);
        await withCliContext(config, db, (ctx) => ctx.get(AuthService).createUser(username, password, role));
        console.log(`user ${username} created (${role})`);
        return 0;
      }
      case 'users:set-password': {
        const { username, password } = required(values, 'username', 'password');
        await withCliContext(config, db, (ctx) => ctx.get(AuthService).setPassword(username, password));
        console.log(`password of ${username} changed`);
        return 0;
      }
      case 'quota:reconcile': {
        const result = await withCliContext(config, db, (ctx) => ctx.get(QuotaService).reconcile());
        console.log(
          `quota reconciled: ${result.users} users, ${result.dropped} stale reservations released, ${result.added} in flight`,
        );
        return 0;
      }
      default:
        console.error(`unknown command: ${command}\n${USAGE}`);
        return 2;
    }
  } finally {
    await db.close();
  }
}

function required<K extends string>(
  values: Partial<Record<string, string | boolean>>,
  ...keys: K[]
): Record<K, string> {
  const missing = keys.filter((k) => typeof values[k] !== 'string' || values[k] === '');
  if (missing.length) throw new Error(`missing ${missing.map((k) => `--${k}`).join(', ')}`);
  return Object.fromEntries(keys.map((k) => [k, values[k] as string])) as Record<K, string>;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
