import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { canonicalJson } from '../apps/api/src/openapi/openapi-document';
import { createTestApp, TestApp } from './support/test-app';

const COMMITTED = join(__dirname, '..', 'docs', 'openapi.json');

describe('OpenAPI contract (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ driver: 'postgres' });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('serves the document committed in docs/openapi.json', async () => {
    const served = canonicalJson((await t.http().get('/api/docs-json').expect(200)).body);
    const committed = readFileSync(COMMITTED, 'utf8');
    if (served !== committed) {
      throw new Error(
        `The API's OpenAPI document differs from docs/openapi.json (a route or a DTO changed).\n` +
          `Run \`npm run openapi\` and commit docs/openapi.json with the change.\n` +
          `First difference:\n${firstDifference(committed, served)}`,
      );
    }
  });
});

/** The first differing line of the two documents, with its line number, for the failure message. */
function firstDifference(committed: string, served: string): string {
  const a = committed.split('\n');
  const b = served.split('\n');
  const line = a.findIndex((text, i) => text !== b[i]);
  const at = line === -1 ? a.length : line;
  return `  line ${at + 1}\n  committed: ${a[at] ?? '(end of file)'}\n  served:    ${b[at] ?? '(end of file)'}`;
}
