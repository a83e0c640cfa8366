import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { WorkerOptions } from 'node:worker_threads';

export interface ThreadScript {
  filename: string;
  options: WorkerOptions;
}

/**
 * How to start a worker thread on one of this lib's scripts (`name`, without extension). Built (nest build or
 * tsc: the app, the image, the bench's children), it is the compiled JavaScript beside this module. Run from
 * source (jest, ts-node), Node cannot load the TypeScript in the thread and ts-node there took 1.5–3 s a
 * start: the lib's sources are transpiled once per process (typescript, a dev dependency, is only loaded then)
 * and the thread's bootstrap compiles them as it requires them.
 */
export function threadScript(name: string): ThreadScript {
  // No preloads (`-r tsconfig-paths/register`, ts-node's): the thread's scripts need none.
  const execArgv: string[] = [];
  if (!__filename.endsWith('.ts')) return { filename: join(__dirname, `${name}.js`), options: { execArgv } };
  const filename = (bootstrap ??= sourceBootstrap())(join(__dirname, `${name}.ts`));
  return { filename, options: { eval: true, execArgv } };
}

let bootstrap: ((entry: string) => string) | undefined;

function sourceBootstrap(): (entry: string) => string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- dev-only, never loaded by the built app
  const ts = require('typescript') as typeof import('typescript');
  const compilerOptions = { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true };
  const sources: Record<string, string> = {};
  for (const file of readdirSync(__dirname)) {
    if (!file.endsWith('.ts') || file.endsWith('.spec.ts')) continue;
    const fileName = join(__dirname, file);
    sources[fileName] = ts.transpileModule(readFileSync(fileName, 'utf8'), { compilerOptions, fileName }).outputText;
  }
  const json = JSON.stringify(sources);
  return (entry) =>
    `const sources = ${json};
     require.extensions['.ts'] = (module, filename) => module._compile(sources[filename], filename);
     require(${JSON.stringify(entry)});`;
}
