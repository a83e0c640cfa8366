import { constants } from 'node:os';
import { INestApplication } from '@nestjs/common';
import { settlesWithin } from '@app/common';

const SIGNALS = ['SIGTERM', 'SIGINT'] as const;

/** The status a shell reports for a process ended by `signal`: 128 + its number (SIGTERM 143, SIGINT 130). */
export function signalExitCode(signal: (typeof SIGNALS)[number]): number {
  return 128 + constants.signals[signal];
}

/**
 * On SIGTERM or SIGINT: close the app (at most `boundMs`), then exit with 128 + the signal's number.
 *
 * Nest's own shutdown hooks re-raise the signal after closing, counting on its default action to end the
 * process. As PID 1 in a container (no init) the kernel ignores a signal without a handler, so the process
 * then lives on — exiting 0 when its event loop happens to drain, or hanging until SIGKILL while a Redis
 * client keeps reconnecting. An explicit exit works the same as PID 1 and elsewhere, and the bound keeps a
 * close that cannot finish from outliving the orchestrator's grace period. A second signal exits at once.
 */
export function exitOnSignals(app: INestApplication, boundMs: number, log: (message: string) => void): void {
  let stopping = false;
  for (const signal of SIGNALS) {
    process.on(signal, () => {
      const code = signalExitCode(signal);
      if (stopping) process.exit(code);
      stopping = true;
      log(`${signal}: shutting down (at most ${boundMs} ms)`);
      void settlesWithin(app.close(), boundMs).then((closed) => {
        if (!closed) log(`${signal}: close did not finish within ${boundMs} ms; exiting anyway`);
        process.exit(code);
      });
    });
  }
}
