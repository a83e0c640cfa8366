/**
 * The Prometheus alert rules hold together: promtool accepts them and their unit tests pass, and every
 * metric they use is one the service really exports (a renamed metric would otherwise silence an alert).
 * promtool comes from Debian's prometheus package; .ci/run installs it. These checks never skip: without
 * promtool they fail and say how to get it.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { MetricsService } from '@app/observability';
import { findTool } from '../support/tools';

const RULES_DIR = resolve(__dirname, '..', '..', 'deploy', 'prometheus');
const RULES = join(RULES_DIR, 'alerts.yml');
const RULE_TESTS = join(RULES_DIR, 'alerts.test.yml');
// js-yaml is in node_modules through @nestjs/swagger (as in manifests.e2e-spec.ts).
const yaml = createRequire(__filename)('js-yaml') as { load(text: string): unknown };

interface RuleFile {
  groups: { rules: { alert?: string; labels?: { severity?: string }; annotations?: { runbook?: string } }[] }[];
}
interface RuleTests {
  tests: { alert_rule_test?: { alertname: string; exp_alerts: unknown[] }[] }[];
}

const PROMTOOL_MISSING =
  "promtool is not installed (not on PATH nor in the sbin dirs). Get it from Debian's prometheus package without the server: " +
  '`apt-get download prometheus && dpkg -x prometheus_*.deb x && install x/usr/bin/promtool /usr/local/bin/` ' +
  '(.ci/run does this).';

function run(args: string[]): { status: number | null; output: string } {
  const promtool = findTool('promtool');
  if (!promtool) throw new Error(PROMTOOL_MISSING);
  const result = spawnSync(promtool, args, { cwd: RULES_DIR, encoding: 'utf8', timeout: 60_000 });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

/** Metric names in the rules' expressions (the service's own and prom-client's process/Node.js ones). */
function metricsUsedByAlerts(): string[] {
  const exprs = [...readFileSync(RULES, 'utf8').matchAll(/expr:\s*(\|[\s\S]*?(?=\n\s+for:|\n\s+labels:)|.*)/g)];
  const names = exprs.flatMap((m) =>
    [...m[1].matchAll(/\b((?:datasync|process|nodejs)_[a-z0-9_]+)/g)].map((n) => n[1]),
  );
  return [...new Set(names)];
}

describe('Prometheus alert rules (deploy/prometheus)', () => {
  it('pass promtool check rules', () => {
    const { status, output } = run(['check', 'rules', 'alerts.yml']);
    expect(output).toContain('SUCCESS');
    expect(status).toBe(0);
  });

  it('pass their promtool unit tests (alerts.test.yml)', () => {
    const { status, output } = run(['test', 'rules', 'alerts.test.yml']);
    expect(output).toContain('SUCCESS');
    expect(status).toBe(0);
  });

  it('every alert has a promtool unit test in which it fires, and a severity and a runbook entry', () => {
    const rules = (yaml.load(readFileSync(RULES, 'utf8')) as RuleFile).groups.flatMap((g) => g.rules);
    const alerts = [...new Set(rules.flatMap((r) => (r.alert ? [r.alert] : [])))];
    expect(alerts.length).toBeGreaterThanOrEqual(20);
    const firing = new Set(
      (yaml.load(readFileSync(RULE_TESTS, 'utf8')) as RuleTests).tests
        .flatMap((t) => t.alert_rule_test ?? [])
        .filter((t) => t.exp_alerts.length > 0)
        .map((t) => t.alertname),
    );
    expect(alerts.filter((name) => !firing.has(name))).toEqual([]);
    const runbook = readFileSync(resolve(RULES_DIR, '..', '..', 'docs', 'operations.md'), 'utf8');
    for (const rule of rules.filter((r) => r.alert)) {
      expect({ alert: rule.alert, severity: rule.labels?.severity }).toEqual({
        alert: rule.alert,
        severity: expect.stringMatching(/^(critical|warning|info)$/),
      });
      expect(rule.annotations?.runbook).toBe(`docs/operations.md#${rule.alert!.toLowerCase()}`);
      expect({ alert: rule.alert, documented: runbook.includes(`### ${rule.alert}\n`) }).toEqual({
        alert: rule.alert,
        documented: true,
      });
    }
  });

  it('use only metrics the service exports', async () => {
    const metrics = new MetricsService();
    const exported = new Set<string>();
    for (const metric of await metrics.registry.getMetricsAsJSON()) {
      exported.add(metric.name);
      // prom-client's typings declare a numeric enum; at run time `type` is the text 'histogram'.
      if (String(metric.type) === 'histogram')
        for (const suffix of ['_bucket', '_count', '_sum']) exported.add(metric.name + suffix);
    }
    const used = metricsUsedByAlerts();
    // The extraction itself works: it finds metrics of every group.
    expect(used).toEqual(
      expect.arrayContaining([
        'datasync_dependency_up',
        'datasync_http_request_duration_seconds_bucket',
        'datasync_queue_jobs',
        'datasync_tasks_finished_total',
        'process_resident_memory_bytes',
      ]),
    );
    expect(used.filter((name) => !exported.has(name))).toEqual([]);
  });
});
