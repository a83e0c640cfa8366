/**
 * The Grafana dashboard (deploy/grafana/dashboards/data-sync.json) asks only for metrics that exist: every query's
 * data-sync, process and Node.js metric names are exported by MetricsService (a renamed metric would otherwise
 * leave a panel silently empty), and every query is valid PromQL (promtool checks them as recording rules).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { MetricsService } from '@app/observability';
import { findTool } from '../support/tools';

const GRAFANA = resolve(__dirname, '..', '..', 'deploy', 'grafana');
const DASHBOARD = join(GRAFANA, 'dashboards', 'data-sync.json');

/** Named by the dashboard before the code exports them: libs/cache (issue 10) adds this counter. */
interface Panel {
  type: string;
  title: string;
  datasource?: { uid: string };
  targets?: { expr: string; refId: string }[];
}

const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { uid: string; panels: Panel[] };
const queries = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })));

async function exportedMetrics(): Promise<Set<string>> {
  const exported = new Set<string>(['up']);
  for (const metric of await new MetricsService().registry.getMetricsAsJSON()) {
    exported.add(metric.name);
    if (String(metric.type) === 'histogram')
      for (const suffix of ['_bucket', '_count', '_sum']) exported.add(metric.name + suffix);
  }
  return exported;
}

describe('Grafana dashboard (deploy/grafana)', () => {
  it('covers what on-call looks at: throughput, failures, queue, durations, latency, refusals, cache, readiness, resources', () => {
    const all = queries.map((q) => q.expr).join('\n');
    for (const metric of [
      'datasync_ingest_rows_total',
      'datasync_tasks_finished_total',
      'datasync_queue_jobs',
      'datasync_task_duration_seconds_bucket',
      'datasync_http_request_duration_seconds_bucket',
      'datasync_rate_limit_refusals_total',
      'datasync_quota_refusals_total',
      'datasync_cache_requests_total',
      'datasync_dependency_up',
      'process_resident_memory_bytes',
      'nodejs_eventloop_lag_p99_seconds',
    ])
      expect({ metric, shown: all.includes(metric) }).toEqual({ metric, shown: true });
    for (const panel of dashboard.panels.filter((p) => p.type !== 'row'))
      expect({ panel: panel.title, datasource: panel.datasource?.uid }).toEqual({
        panel: panel.title,
        datasource: 'prometheus',
      });
  });

  it('names only metrics the service exports', async () => {
    const exported = await exportedMetrics();
    const unknown = queries.flatMap(({ panel, expr }) =>
      [...expr.matchAll(/\b((?:datasync|process|nodejs)_[a-z0-9_]+|up)\b(?=\s*[{[)]|\s*$|\s)/g)]
        .map((m) => m[1])
        .filter((name) => !exported.has(name))
        .map((name) => `${panel}: ${name}`),
    );
    expect(unknown).toEqual([]);
  });

  it('every query is valid PromQL (promtool check rules on them as recording rules)', () => {
    const promtool = findTool('promtool');
    if (!promtool) throw new Error("promtool is not installed (Debian's prometheus package; .ci/run installs it)");
    const dir = mkdtempSync(join(tmpdir(), 'data-sync-grafana-'));
    try {
      const rules = queries.map(
        (q, i) => `      - record: dashboard:query_${i}\n        expr: ${JSON.stringify(q.expr)}`,
      );
      writeFileSync(join(dir, 'queries.yml'), `groups:\n  - name: dashboard\n    rules:\n${rules.join('\n')}\n`);
      const run = spawnSync(promtool, ['check', 'rules', join(dir, 'queries.yml')], { encoding: 'utf8' });
      expect(`${run.stdout}${run.stderr}`).toContain(`SUCCESS: ${queries.length} rules found`);
      expect(run.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('is provisioned from this folder with the Prometheus datasource the panels use', () => {
    const datasources = readFileSync(join(GRAFANA, 'provisioning', 'datasources', 'prometheus.yml'), 'utf8');
    expect(datasources).toMatch(/uid: prometheus\n/);
    const provider = readFileSync(join(GRAFANA, 'provisioning', 'dashboards', 'data-sync.yml'), 'utf8');
    expect(provider).toContain('path: /var/lib/grafana/dashboards');
  });
});
