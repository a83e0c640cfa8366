/**
 * Preloaded (`-r`) into a server process the bench starts: SIGUSR2 starts the V8 CPU profiler, the next
 * SIGUSR2 stops it and writes `${BENCH_CPU_PROFILE_PREFIX}-<n>.cpuprofile`, then `${…}-<n>.done`.
 * Lets the bench profile one load window only, without start-up.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';

const prefix = process.env.BENCH_CPU_PROFILE_PREFIX;
if (prefix) {
  const session = new Session();
  session.connect();
  let running = false;
  let count = 0;
  process.on('SIGUSR2', () => {
    if (!running) {
      running = true;
      session.post('Profiler.enable', () =>
        session.post('Profiler.setSamplingInterval', { interval: 1000 }, () => session.post('Profiler.start')),
      );
      return;
    }
    running = false;
    const n = ++count;
    session.post('Profiler.stop', (error, result) => {
      const path = `${prefix}-${n}`;
      if (!error) writeFileSync(`${path}.cpuprofile`, JSON.stringify(result.profile));
      writeFileSync(`${path}.done`, error ? String(error) : 'ok');
    });
  });
}
