/**
 * Preloaded (`-r`) into a server process the bench starts with an IPC channel: the message
 * `{ benchProfile: 'start' }` starts the V8 CPU profiler, `{ benchProfile: 'stop', path }` stops it and
 * writes the profile to `path`, then answers `{ benchProfile: 'written', path }`. Lets the bench profile one
 * load window only, without start-up. (Not a signal: Nest's shutdown hooks listen to SIGUSR2.)
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';

interface ProfileMessage {
  benchProfile?: 'start' | 'stop';
  path?: string;
}

if (process.send) {
  const session = new Session();
  session.connect();
  process.channel?.unref();
  process.on('message', (message: ProfileMessage) => {
    if (message.benchProfile === 'start') {
      session.post('Profiler.enable', () =>
        session.post('Profiler.setSamplingInterval', { interval: 1000 }, () =>
          session.post('Profiler.start', () => process.send?.({ benchProfile: 'started' })),
        ),
      );
    } else if (message.benchProfile === 'stop' && message.path) {
      const path = message.path;
      session.post('Profiler.stop', (error, result) => {
        if (!error) writeFileSync(path, JSON.stringify(result.profile));
        process.send?.({ benchProfile: error ? 'failed' : 'written', path });
      });
    }
  });
}
