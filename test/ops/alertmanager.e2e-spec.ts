/**
 * The Alertmanager configuration (deploy/alertmanager/alertmanager.yml): amtool accepts it and routes each severity
 * to its receiver, and a real Alertmanager (Debian's prometheus-alertmanager binary, on a free loopback port)
 * holds back the alerts that follow from another firing one. .ci/run installs amtool and alertmanager from the
 * package with `dpkg -x`; without them these tests fail and say so (they never skip).
 */
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { freePort, waitFor } from '../support/redis-server';
import { tempDir } from '../support/test-env';
import { findTool } from '../support/tools';

const CONFIG = resolve(__dirname, '..', '..', 'deploy', 'alertmanager', 'alertmanager.yml');
const MISSING = (tool: string) =>
  `${tool} is not installed. Get it from Debian's prometheus-alertmanager package without the service: ` +
  '`apt-get download prometheus-alertmanager && dpkg -x prometheus-alertmanager_*.deb x && ' +
  'install x/usr/bin/amtool /usr/local/bin/ && install x/usr/bin/prometheus-alertmanager /usr/local/bin/alertmanager` ' +
  '(.ci/run does this).';

function tool(name: string): string {
  const path = findTool(name);
  if (!path) throw new Error(MISSING(name));
  return path;
}

function amtool(args: string[]): { status: number | null; output: string } {
  const run = spawnSync(tool('amtool'), args, { encoding: 'utf8', timeout: 30_000 });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

describe('Alertmanager configuration (deploy/alertmanager)', () => {
  it('passes amtool check-config', () => {
    const { status, output } = amtool(['check-config', CONFIG]);
    expect(output).toContain('SUCCESS');
    expect(output).toMatch(/\d+ inhibit rules/);
    expect(status).toBe(0);
  });

  it.each([
    ['critical', 'oncall-pager'],
    ['warning', 'team-chat'],
    ['info', 'team-tickets'],
  ])('routes severity=%s to %s', (severity, receiver) => {
    const { status, output } = amtool([
      'config',
      'routes',
      'test',
      `--config.file=${CONFIG}`,
      `--verify.receivers=${receiver}`,
      'alertname=DataSyncAnything',
      `severity=${severity}`,
    ]);
    expect(output.split('\n').filter((line) => !line.startsWith('Warning'))[0]).toBe(receiver);
    expect(status).toBe(0);
  });
});

describe('Alertmanager inhibitions (a real alertmanager on loopback)', () => {
  const dir = tempDir('ds-alertmanager-');
  let child: ChildProcess | undefined;
  let base = '';

  beforeAll(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    child = spawn(
      tool('alertmanager'),
      [
        `--config.file=${CONFIG}`,
        `--storage.path=${dir.path}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--cluster.listen-address=',
        '--log.level=warn',
      ],
      { stdio: 'ignore' },
    );
    await waitFor(
      () =>
        fetch(`${base}/-/ready`).then(
          (r) => r.ok,
          () => false,
        ),
      20_000,
      'alertmanager did not become ready',
    );
  });
  afterAll(async () => {
    // Alertmanager writes its notification log and silences into the storage dir as it stops: removing the dir
    // before it has exited failed the suite (ENOTEMPTY) once in a full run.
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child!.once('exit', resolve));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
    }
    dir.remove();
  });

  interface AlertStatus {
    labels: Record<string, string>;
    status: { state: string; inhibitedBy: string[] };
  }

  async function post(alerts: Record<string, string>[]): Promise<void> {
    const startsAt = new Date().toISOString();
    const res = await fetch(`${base}/api/v2/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(alerts.map((labels) => ({ labels, startsAt }))),
    });
    expect(res.status).toBe(200);
  }

  /** Each alert's state (active / suppressed) once Alertmanager has taken all of `names`. */
  async function states(names: string[]): Promise<Map<string, string>> {
    let alerts: AlertStatus[] = [];
    await waitFor(
      async () => {
        alerts = (await (await fetch(`${base}/api/v2/alerts`)).json()) as AlertStatus[];
        return names.every((n) => alerts.some((a) => `${a.labels.alertname}/${a.labels.severity}` === n));
      },
      10_000,
      `alerts ${names.join(', ')} not received`,
    );
    return new Map(alerts.map((a) => [`${a.labels.alertname}/${a.labels.severity}`, a.status.state]));
  }

  it('holds back API errors, nginx 5xx and a stalled queue while a dependency is down; NoWorker while an instance is down', async () => {
    await post([
      { alertname: 'DataSyncDependencyDown', severity: 'critical', instance: 'api-1:3000', dependency: 'postgres' },
      { alertname: 'DataSyncApiErrors', severity: 'critical' },
      { alertname: 'DataSyncNginx5xx', severity: 'critical' },
      { alertname: 'DataSyncQueueStalled', severity: 'critical' },
      { alertname: 'DataSyncInstanceDown', severity: 'critical', instance: 'w-1:3001', job: 'data-sync-worker' },
      { alertname: 'DataSyncNoWorker', severity: 'critical' },
      { alertname: 'DataSyncWorkerMemoryHigh', severity: 'warning', instance: 'w-2:3001' },
    ]);
    const state = await states([
      'DataSyncDependencyDown/critical',
      'DataSyncApiErrors/critical',
      'DataSyncNginx5xx/critical',
      'DataSyncQueueStalled/critical',
      'DataSyncInstanceDown/critical',
      'DataSyncNoWorker/critical',
      'DataSyncWorkerMemoryHigh/warning',
    ]);
    expect(Object.fromEntries(state)).toEqual({
      'DataSyncDependencyDown/critical': 'active',
      'DataSyncInstanceDown/critical': 'active',
      'DataSyncApiErrors/critical': 'suppressed',
      'DataSyncNginx5xx/critical': 'suppressed',
      'DataSyncQueueStalled/critical': 'suppressed',
      'DataSyncNoWorker/critical': 'suppressed',
      // Unrelated alerts are not held back.
      'DataSyncWorkerMemoryHigh/warning': 'active',
    });
  });

  it('lets the critical level of an alert silence its own warning on the same instance only', async () => {
    await post([
      { alertname: 'DataSyncDataDirLowSpace', severity: 'critical', instance: 'api-1:3000' },
      { alertname: 'DataSyncDataDirLowSpace', severity: 'warning', instance: 'api-1:3000' },
      { alertname: 'DataSyncEventLoopLag', severity: 'warning', instance: 'api-1:3000' },
    ]);
    const state = await states([
      'DataSyncDataDirLowSpace/critical',
      'DataSyncDataDirLowSpace/warning',
      'DataSyncEventLoopLag/warning',
    ]);
    expect(state.get('DataSyncDataDirLowSpace/critical')).toBe('active');
    expect(state.get('DataSyncDataDirLowSpace/warning')).toBe('suppressed');
    expect(state.get('DataSyncEventLoopLag/warning')).toBe('active');
  });
});
