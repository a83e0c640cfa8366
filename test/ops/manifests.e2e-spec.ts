/**
 * Deployment files keep their contract: every YAML parses, the Kubernetes objects fit together (selectors, probe
 * ports, HPA targets, the kustomization's list), systemd units and the Dockerfile say what docs/deployment.md says.
 *
 * YAML is parsed with js-yaml, which is in node_modules through @nestjs/swagger (no `yaml` package here); if it
 * ever disappears, the YAML tests fail. Tools that may be missing on a machine (systemd-analyze, logrotate,
 * kubectl) add a check when present and show up as skipped otherwise (.ci/run installs logrotate).
 */
import { spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import Redis from 'ioredis';
import { copyFromContext, dockerIgnore, ReplayError, replayPlan, Step } from '../../scripts/dockerfile-replay';
import { freePort, waitFor } from '../support/redis-server';
import { findTool } from '../support/tools';

const REPO = resolve(__dirname, '..', '..');
const K8S = join(REPO, 'deploy', 'k8s');
const SYSTEMD = join(REPO, 'deploy', 'systemd');
const DOCKER = join(REPO, 'deploy', 'docker');
const LOGROTATE = join(REPO, 'deploy', 'logrotate', 'data-sync');
const REDIS_CONF = join(REPO, 'deploy', 'redis', 'redis.conf');
const CONTROLLER_EXAMPLE = 'ingress-nginx-controller.example.yaml';

type LoadAll = (text: string) => unknown[];
function findLoadAll(): LoadAll | undefined {
  try {
    const jsYaml = createRequire(__filename)('js-yaml') as { loadAll?: LoadAll };
    return typeof jsYaml.loadAll === 'function' ? jsYaml.loadAll : undefined;
  } catch {
    return undefined;
  }
}
const loadAll = findLoadAll();

// ---- minimal shapes of what the tests read --------------------------------------------------------------------------
interface Meta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: Meta;
}
interface Probe {
  httpGet?: { path: string; port: string | number };
  periodSeconds?: number;
  failureThreshold?: number;
}
interface Container {
  name: string;
  image: string;
  imagePullPolicy?: string;
  command?: string[];
  ports?: { name?: string; containerPort: number }[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  env?: { name: string; value?: string }[];
  startupProbe?: Probe;
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  lifecycle?: { preStop?: { exec?: { command: string[] } } };
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: { allowPrivilegeEscalation?: boolean; readOnlyRootFilesystem?: boolean };
  volumeMounts?: { name: string; mountPath: string }[];
}
interface PodSpec {
  terminationGracePeriodSeconds?: number;
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number };
  containers: Container[];
  volumes?: { name: string; emptyDir?: object; persistentVolumeClaim?: { claimName: string } }[];
}
interface Workload extends K8sObject {
  spec: {
    replicas?: number;
    selector?: { matchLabels: Record<string, string> };
    template: { metadata?: { labels?: Record<string, string> }; spec: PodSpec };
  };
}
interface Selecting extends K8sObject {
  spec: {
    selector: Record<string, string> | { matchLabels: Record<string, string> };
    ports?: { name: string; port: number; targetPort: string | number }[];
    scaleTargetRef?: { kind: string; name: string };
  };
}
interface IngressObject extends K8sObject {
  spec: {
    rules: {
      http: { paths: { path: string; backend: { service: { name: string; port: { name?: string } } } }[] };
    }[];
  };
}
interface Kustomization {
  resources: string[];
}
interface ComposeService {
  image?: string;
  command?: string[] | string;
  environment?: Record<string, string>;
  volumes?: string[];
  deploy?: { replicas?: number };
  depends_on?: Record<string, { condition: string }>;
  stop_grace_period?: string;
  read_only?: boolean;
}
interface Compose {
  services: Record<string, ComposeService & { '<<'?: ComposeService | ComposeService[] }>;
}

/**
 * Applies YAML merge keys (`<<: *app`, and `<<: *app-env` in an environment), which Compose honours and js-yaml
 * 5's default schema leaves as a key.
 */
function merged(service: ComposeService & { '<<'?: ComposeService | ComposeService[] }): ComposeService {
  const result = withMergeKeys(service);
  if (result.environment) result.environment = withMergeKeys(result.environment);
  return result;
}

function withMergeKeys<T extends object>(map: T & { '<<'?: object | object[] }): T {
  const { '<<': base, ...own } = map;
  const bases = Array.isArray(base) ? base : base ? [base] : [];
  return Object.assign({}, ...bases, own) as T;
}

const yamlFiles = () =>
  readdirSync(K8S)
    .filter((f) => f.endsWith('.yaml'))
    .sort();

function parse(path: string): unknown[] {
  if (!loadAll) throw new Error('js-yaml is not installed');
  return loadAll(readFileSync(path, 'utf8')).filter((doc) => doc !== null && doc !== undefined);
}

/** Every Kubernetes object in deploy/k8s (not the kustomization), with the file it came from. */
function objects(): { file: string; doc: K8sObject }[] {
  return yamlFiles()
    .filter((f) => f !== 'kustomization.yaml')
    .flatMap((file) => parse(join(K8S, file)).map((doc) => ({ file, doc: doc as K8sObject })));
}

/**
 * The object checked against its kind's OpenAPI schema (kubernetes-models, generated from Kubernetes 1.27's; no
 * cluster or download needed), or undefined when it passes. Like `kubectl apply`'s default validation it does not
 * refuse unknown fields.
 */
function schemaProblem(doc: K8sObject): string | undefined {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const models = require(`kubernetes-models/${doc.apiVersion}/${doc.kind}`) as Record<
    string,
    new (data: unknown) => { validate(): void }
  >;
  try {
    new models[doc.kind](doc).validate();
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

function find<T extends K8sObject>(kind: string, name: string): T {
  const hit = objects().find(({ doc }) => doc.kind === kind && doc.metadata.name === name);
  if (!hit) throw new Error(`no ${kind} ${name} in deploy/k8s`);
  return hit.doc as T;
}

const matches = (selector: Record<string, string>, labels: Record<string, string> = {}) =>
  Object.entries(selector).every(([key, value]) => labels[key] === value);

// js-yaml comes with @nestjs/swagger; without it these tests fail (in parse()) rather than skip.
const itYaml = it;

describe('Kubernetes manifests (deploy/k8s)', () => {
  itYaml('every file parses, and every object has apiVersion, kind, name and the data-sync namespace', () => {
    expect(yamlFiles().length).toBeGreaterThanOrEqual(12);
    const all = objects();
    expect(all.length).toBeGreaterThanOrEqual(16);
    for (const { file, doc } of all) {
      expect({ file, ok: typeof doc.apiVersion === 'string' && typeof doc.kind === 'string' }).toEqual({
        file,
        ok: true,
      });
      expect(doc.metadata?.name).toMatch(/^[a-z0-9-]+$/);
      if (doc.kind !== 'Namespace' && file !== CONTROLLER_EXAMPLE)
        expect({ file, namespace: doc.metadata.namespace }).toEqual({ file, namespace: 'data-sync' });
    }
  });

  it('every object passes the Kubernetes 1.27 OpenAPI schema of its kind (types, required fields, enums)', () => {
    const all = objects();
    const failures = all.flatMap(({ file, doc }) => {
      const problem = schemaProblem(doc);
      return problem ? [`${file} ${doc.kind}/${doc.metadata?.name}: ${problem}`] : [];
    });
    expect(failures).toEqual([]);
    expect(new Set(all.map(({ doc }) => doc.kind)).size).toBeGreaterThanOrEqual(10);
  });

  it('the schema check catches a broken manifest: a wrong type, a missing required field', () => {
    type Broken = K8sObject & { spec: { template: { spec: { containers: Record<string, unknown>[] } } } };
    const deployment = structuredClone(find<Broken>('Deployment', 'data-sync-worker'));
    deployment.spec.template.spec.containers[0].ports = [{ containerPort: 'http' }];
    expect(schemaProblem(deployment)).toMatch(/containerPort must be integer/);
    const service = structuredClone(find<K8sObject & { spec: { ports: object[] } }>('Service', 'data-sync-api'));
    service.spec.ports = [{ name: 'http' }];
    expect(schemaProblem(service)).toMatch(/ports\/0 must have required property port/);
  });

  itYaml('kustomization.yaml lists every manifest except the two examples, and only existing files', () => {
    const [kustomization] = parse(join(K8S, 'kustomization.yaml')) as Kustomization[];
    const expected = yamlFiles().filter((f) => f !== 'kustomization.yaml' && !f.endsWith('.example.yaml'));
    expect([...kustomization.resources].sort()).toEqual(expected);
  });

  itYaml('the secret example holds placeholders only, and the ConfigMap no secrets', () => {
    const secret = find<K8sObject & { stringData: Record<string, string> }>('Secret', 'data-sync-secrets');
    expect(Object.keys(secret.stringData).sort()).toEqual(['DATABASE_URL', 'JWT_SECRET', 'REDIS_URL']);
    for (const value of Object.values(secret.stringData)) expect(value).toContain('CHANGE-ME');
    expect(secret.stringData.JWT_SECRET.length).toBeGreaterThanOrEqual(32);
    const config = find<K8sObject & { data: Record<string, string> }>('ConfigMap', 'data-sync-config');
    for (const key of ['JWT_SECRET', 'DATABASE_URL', 'REDIS_URL']) expect(config.data).not.toHaveProperty(key);
    expect(config.data).toMatchObject({ NODE_ENV: 'production', PORT: '3000', WORKER_PORT: '3001' });
  });

  itYaml(
    'the API Deployment: scaled by its HPA, probes, startup probe, 45 s grace, preStop, non-root read-only',
    () => {
      const api = find<Workload>('Deployment', 'data-sync-api');
      const pod = api.spec.template.spec;
      const [container] = pod.containers;
      expect(api.spec.replicas).toBeUndefined();
      expect(pod.terminationGracePeriodSeconds).toBe(45);
      expect(container.image).toBe('data-sync:0.1.0');
      expect(container.command).toEqual(['node', '-r', 'tsconfig-paths/register', 'dist/apps/api/src/main.js']);
      expect(container.ports).toEqual([{ name: 'http', containerPort: 3000 }]);
      expect(container.livenessProbe?.httpGet).toEqual({ path: '/health/live', port: 'http' });
      expect(container.readinessProbe?.httpGet).toEqual({ path: '/health/ready', port: 'http' });
      expect(container.startupProbe?.httpGet?.path).toBe('/health/live');
      expect(container.lifecycle?.preStop?.exec?.command).toEqual(['sleep', '10']);
      expect(container.resources?.requests).toHaveProperty('cpu');
      expect(container.resources?.limits).toHaveProperty('memory');
      expectLockedDown(pod, container);
    },
  );

  itYaml('the worker Deployment: scaled by its HPA, probes on port 3001, 45 s grace, non-root read-only', () => {
    const worker = find<Workload>('Deployment', 'data-sync-worker');
    const pod = worker.spec.template.spec;
    const [container] = pod.containers;
    expect(worker.spec.replicas).toBeUndefined();
    expect(pod.terminationGracePeriodSeconds).toBe(45);
    expect(container.command).toEqual(['node', '-r', 'tsconfig-paths/register', 'dist/apps/worker/src/main.js']);
    expect(container.ports).toEqual([{ name: 'health', containerPort: 3001 }]);
    expect(container.livenessProbe?.httpGet).toEqual({ path: '/health/live', port: 'health' });
    expect(container.readinessProbe?.httpGet).toEqual({ path: '/health/ready', port: 'health' });
    expect(container.startupProbe?.httpGet?.path).toBe('/health/live');
    expectLockedDown(pod, container);
  });

  itYaml('API and workers mount the same DATA_DIR volume (uploads are read by whichever worker runs the task)', () => {
    const config = find<K8sObject & { data: Record<string, string> }>('ConfigMap', 'data-sync-config');
    const claims = ['data-sync-api', 'data-sync-worker'].map((name) => {
      const pod = find<Workload>('Deployment', name).spec.template.spec;
      const mount = pod.containers[0].volumeMounts?.find((m) => m.mountPath === config.data.DATA_DIR);
      const volume = pod.volumes?.find((v) => v.name === mount?.name);
      return volume?.persistentVolumeClaim?.claimName;
    });
    expect(claims).toEqual(['data-sync-files', 'data-sync-files']);
    const pvc = find<K8sObject & { spec: { accessModes: string[] } }>('PersistentVolumeClaim', 'data-sync-files');
    expect(pvc.spec.accessModes).toEqual(['ReadWriteMany']);
  });

  itYaml('the migrate Job runs the built CLI with the same config and secrets', () => {
    const job = find<Workload>('Job', 'data-sync-migrate');
    const [container] = job.spec.template.spec.containers;
    expect(container.command).toEqual(['node', '-r', 'tsconfig-paths/register', 'dist/src/cli/cli.js', 'migrate']);
    expect(container.envFrom).toEqual([
      { configMapRef: { name: 'data-sync-config' } },
      { secretRef: { name: 'data-sync-secrets' } },
    ]);
  });

  itYaml('Services, PodDisruptionBudgets and HPAs select or target the Deployments that exist', () => {
    const labelsOf = (name: string) => find<Workload>('Deployment', name).spec.template.metadata?.labels;
    for (const [kind, name, deployment] of [
      ['Service', 'data-sync-api', 'data-sync-api'],
      ['Service', 'data-sync-worker', 'data-sync-worker'],
      ['PodDisruptionBudget', 'data-sync-api', 'data-sync-api'],
      ['PodDisruptionBudget', 'data-sync-worker', 'data-sync-worker'],
    ]) {
      const { selector } = find<Selecting>(kind, name).spec;
      const labels = 'matchLabels' in selector ? (selector.matchLabels as Record<string, string>) : selector;
      expect({ kind, name, selects: matches(labels, labelsOf(deployment)) }).toEqual({ kind, name, selects: true });
    }
    for (const name of ['data-sync-api', 'data-sync-worker']) {
      const deployment = find<Workload>('Deployment', name);
      expect(matches(deployment.spec.selector?.matchLabels ?? {}, labelsOf(name))).toBe(true);
      const hpa = find<Selecting>('HorizontalPodAutoscaler', name);
      expect(hpa.spec.scaleTargetRef).toMatchObject({ kind: 'Deployment', name });
    }
    const apiService = find<Selecting>('Service', 'data-sync-api');
    expect(apiService.spec.ports).toEqual([{ name: 'http', port: 80, targetPort: 'http' }]);
  });

  itYaml('the Ingress routes only /api to the API Service, with rate-limit and body-size annotations', () => {
    const ingresses = objects()
      .map(({ doc }) => doc)
      .filter((doc): doc is IngressObject => doc.kind === 'Ingress');
    expect(ingresses.map((i) => i.metadata.name).sort()).toEqual([
      'data-sync-api',
      'data-sync-auth',
      'data-sync-upload',
    ]);
    for (const ingress of ingresses) {
      const annotations = ingress.metadata.annotations ?? {};
      expect(annotations['nginx.ingress.kubernetes.io/limit-rps']).toMatch(/^\d+$/);
      expect(annotations['nginx.ingress.kubernetes.io/limit-rpm']).toBeUndefined();
      // Only the limiters' own status (599) goes to the JSON error backend; the API's answers pass untouched.
      expect(annotations['nginx.ingress.kubernetes.io/custom-http-errors']).toBe('599');
      expect(annotations['nginx.ingress.kubernetes.io/default-backend']).toBe('data-sync-errors');
      expect(annotations['nginx.ingress.kubernetes.io/limit-connections']).toBe('20');
      for (const path of ingress.spec.rules.flatMap((r) => r.http.paths)) {
        expect(path.path.startsWith('/api')).toBe(true);
        expect(path.backend.service).toEqual({ name: 'data-sync-api', port: { name: 'http' } });
      }
    }
    // The same per-IP rates and bursts as nginx.conf's zones (rate r/s, burst = rate × multiplier).
    const nginxConf = readFileSync(join(REPO, 'nginx', 'nginx.conf'), 'utf8');
    const zoneRate = (zone: string) => Number(new RegExp(`zone=${zone}:\\w+ rate=(\\d+)r/s`).exec(nginxConf)?.[1]);
    const limits = Object.fromEntries(
      ingresses.map((i) => {
        const a = i.metadata.annotations ?? {};
        const rps = Number(a['nginx.ingress.kubernetes.io/limit-rps']);
        return [i.metadata.name, { rps, burst: rps * Number(a['nginx.ingress.kubernetes.io/limit-burst-multiplier']) }];
      }),
    );
    expect(limits).toEqual({
      'data-sync-api': { rps: zoneRate('api_general'), burst: 100 },
      'data-sync-auth': { rps: zoneRate('api_auth'), burst: 20 },
      'data-sync-upload': { rps: zoneRate('api_sync_write'), burst: 20 },
    });
    expect(nginxConf).toContain('limit_req zone=api_general burst=100 nodelay;');
    expect(nginxConf).toContain('limit_req zone=api_auth burst=20 nodelay;');
    expect(nginxConf).toContain('limit_req zone=api_sync_write burst=20 nodelay;');
    const upload = ingresses.find((i) => i.metadata.name === 'data-sync-upload')?.metadata.annotations ?? {};
    expect(upload['nginx.ingress.kubernetes.io/proxy-body-size']).toBe('101m');
    expect(upload['nginx.ingress.kubernetes.io/proxy-request-buffering']).toBe('off');
  });

  itYaml('no Deployment an HPA scales sets replicas, and every image is pinned to a version', () => {
    const scaled = new Set(
      objects()
        .map(({ doc }) => doc as Selecting)
        .filter((doc) => doc.kind === 'HorizontalPodAutoscaler')
        .map((hpa) => hpa.spec.scaleTargetRef?.name),
    );
    expect(scaled).toEqual(new Set(['data-sync-api', 'data-sync-worker']));
    const workloads = objects()
      .map(({ doc }) => doc as Workload)
      .filter((doc) => ['Deployment', 'StatefulSet', 'Job'].includes(doc.kind));
    for (const workload of workloads) {
      const { name } = workload.metadata;
      if (scaled.has(name)) expect({ name, replicas: workload.spec.replicas }).toEqual({ name, replicas: undefined });
      for (const container of workload.spec.template.spec.containers) {
        // name:tag with a version in the tag (digits), never latest or a bare name.
        expect({ name, image: container.image }).toEqual({
          name,
          image: expect.stringMatching(/^[\w./-]+:v?\d[\w.-]*$/),
        });
        expect(container.imagePullPolicy).toBe('IfNotPresent');
      }
    }
    const [kustomization] = parse(join(K8S, 'kustomization.yaml')) as (Kustomization & {
      images: { name: string; newTag: string }[];
    })[];
    expect(kustomization.images).toEqual([{ name: 'data-sync', newTag: expect.stringMatching(/^\d+\.\d+\.\d+$/) }]);
  });

  itYaml('the in-cluster Redis runs deploy/redis/redis.conf verbatim, with redis_exporter beside it', () => {
    const config = find<K8sObject & { data: Record<string, string> }>('ConfigMap', 'data-sync-redis-config');
    expect(config.data['redis.conf']).toBe(readFileSync(REDIS_CONF, 'utf8'));
    const redis = find<Workload>('StatefulSet', 'data-sync-redis');
    const [server, exporter] = redis.spec.template.spec.containers;
    expect(server.command?.slice(0, 2)).toEqual(['redis-server', '/etc/redis/redis.conf']);
    expect(exporter.name).toBe('exporter');
    expect(exporter.ports).toEqual([{ name: 'metrics', containerPort: 9121 }]);
  });

  itYaml('the ingress controller example makes its limiters answer 599, which only the error backend handles', () => {
    const [controller] = parse(join(K8S, CONTROLLER_EXAMPLE)) as (K8sObject & { data: Record<string, string> })[];
    expect(controller.data).toEqual({ 'limit-req-status-code': '599', 'limit-conn-status-code': '599' });
    const service = find<Selecting>('Service', 'data-sync-errors');
    const errors = find<Workload>('Deployment', 'data-sync-errors');
    expect(matches(service.spec.selector as Record<string, string>, errors.spec.template.metadata?.labels)).toBe(true);
  });

  it("the error backend (its nginx.conf, run for real) turns the limiters' 599 into a JSON 429, anything else a JSON 503", async () => {
    const nginx = findTool('nginx');
    if (!nginx) throw new Error('nginx is not installed (apt-get install -y nginx; .ci/run does it)');
    const config = find<K8sObject & { data: Record<string, string> }>('ConfigMap', 'data-sync-error-pages');
    const prefix = mkdtempSync(join(tmpdir(), 'data-sync-errors-'));
    chmodSync(prefix, 0o755);
    const port = await freePort();
    const conf = config.data['nginx.conf']
      .replace('listen 8080;', `listen 127.0.0.1:${port};`)
      .replaceAll('/tmp/', `${prefix}/`);
    writeFileSync(join(prefix, 'nginx.conf'), conf);
    const child = spawn(nginx, ['-p', prefix, '-c', join(prefix, 'nginx.conf'), '-g', 'daemon off;'], {
      stdio: 'ignore',
    });
    try {
      const base = `http://127.0.0.1:${port}`;
      await waitFor(
        () =>
          fetch(`${base}/healthz`).then(
            (r) => r.ok,
            () => false,
          ),
        10_000,
        'error backend did not start',
      );
      const limited = await fetch(`${base}/api/data-sync/single`, {
        headers: { 'x-code': '599', 'x-request-id': 'req-599' },
      });
      expect(limited.status).toBe(429);
      expect(limited.headers.get('content-type')).toBe('application/json');
      expect(limited.headers.get('retry-after')).toBe('1');
      expect(await limited.json()).toEqual({
        statusCode: 429,
        error: 'Too Many Requests',
        code: 'RATE_LIMITED',
        message: expect.stringContaining('Retry-After'),
        requestId: 'req-599',
      });
      const other = await fetch(`${base}/api/anything`, { headers: { 'x-code': '503' } });
      expect(other.status).toBe(503);
      expect(await other.json()).toMatchObject({ statusCode: 503, code: 'DEPENDENCY_DOWN' });
    } finally {
      child.kill('SIGTERM');
      await new Promise((done) => child.once('exit', done));
      rmSync(prefix, { recursive: true, force: true });
    }
  });

  const kubectl = findTool('kubectl');
  (kubectl ? it : it.skip)('`kubectl kustomize` renders the kustomization (when kubectl is here)', () => {
    const run = spawnSync(kubectl!, ['kustomize', K8S], { encoding: 'utf8', timeout: 60_000 });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const rendered = loadAll!(run.stdout).filter(Boolean) as K8sObject[];
    const expected = objects().filter(({ file }) => !file.endsWith('.example.yaml')).length;
    expect(rendered.length).toBe(expected);
    expect(rendered.filter((o) => o.kind !== 'Namespace').every((o) => o.metadata.namespace === 'data-sync')).toBe(
      true,
    );
  });
});

function expectLockedDown(pod: PodSpec, container: Container): void {
  expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10001 });
  expect(container.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true });
  const tmp = container.volumeMounts?.find((m) => m.mountPath === '/tmp');
  expect(pod.volumes?.find((v) => v.name === tmp?.name)?.emptyDir).toBeDefined();
  expect(container.envFrom).toEqual([
    { configMapRef: { name: 'data-sync-config' } },
    { secretRef: { name: 'data-sync-secrets' } },
  ]);
}

describe('Docker (deploy/docker)', () => {
  itYaml(
    'compose.yaml: postgres 15, redis 7 on redis.conf, migrate before api and 2 workers, nginx with nginx.conf',
    () => {
      const [compose] = parse(join(DOCKER, 'compose.yaml')) as Compose[];
      const services = Object.fromEntries(Object.entries(compose.services).map(([name, s]) => [name, merged(s)]));
      expect(Object.keys(services).sort()).toEqual([
        'alertmanager',
        'api',
        'grafana',
        'migrate',
        'nginx',
        'nginx-exporter',
        'nginx-log-exporter',
        'postgres',
        'postgres-exporter',
        'prometheus',
        'redis',
        'redis-exporter',
        'worker',
      ]);
      expect(services.postgres.image).toMatch(/^postgres:15/);
      expect(services.redis.image).toMatch(/^redis:7/);
      expect(services.redis.command).toEqual(
        expect.arrayContaining(['redis-server', '/usr/local/etc/redis/redis.conf']),
      );
      expect(services.redis.volumes).toContain('../redis/redis.conf:/usr/local/etc/redis/redis.conf:ro');
      expect(services.migrate.command).toEqual([
        'node',
        '-r',
        'tsconfig-paths/register',
        'dist/src/cli/cli.js',
        'migrate',
      ]);
      expect(services.worker.deploy?.replicas).toBe(2);
      for (const name of ['api', 'worker']) {
        const service = services[name];
        expect(service.image).toBe('data-sync:latest');
        expect(service.depends_on?.migrate).toEqual({ condition: 'service_completed_successfully' });
        expect(service.stop_grace_period).toBe('45s');
        expect(service.volumes).toEqual(['files:/var/lib/data-sync']);
        expect(service.environment?.DATA_DIR).toBe('/var/lib/data-sync');
      }
      expect(services.nginx.volumes).toEqual([
        '../../nginx/nginx.conf:/etc/nginx/data-sync.conf:ro',
        'nginx-logs:/var/log/nginx',
      ]);
      // Monitoring reads the repository's own files.
      expect(services.prometheus.volumes).toEqual(
        expect.arrayContaining([
          '../prometheus/prometheus.compose.yml:/etc/prometheus/prometheus.yml:ro',
          '../prometheus/alerts.yml:/etc/prometheus/alerts.yml:ro',
        ]),
      );
      expect(services.alertmanager.volumes).toContain(
        '../alertmanager/alertmanager.yml:/etc/alertmanager/alertmanager.yml:ro',
      );
      expect(services.grafana.volumes).toEqual(
        expect.arrayContaining([
          '../grafana/provisioning:/etc/grafana/provisioning:ro',
          '../grafana/dashboards:/var/lib/grafana/dashboards:ro',
        ]),
      );
    },
  );

  itYaml("the worker's V8 flags: the same in systemd, Kubernetes and compose (bench:ingest runs with them)", () => {
    const unit = parseUnit(join(SYSTEMD, 'data-sync-worker@.service'));
    const systemd = (unit.get('Service')?.get('Environment') ?? [])
      .map((env) => env.replace(/^"(.*)"$/, '$1'))
      .find((env) => env.startsWith('NODE_OPTIONS='))
      ?.slice('NODE_OPTIONS='.length);
    expect(systemd).toMatch(/--max-old-space-size=\d+/);
    const [container] = find<Workload>('Deployment', 'data-sync-worker').spec.template.spec.containers;
    expect(container.env?.find((env) => env.name === 'NODE_OPTIONS')?.value).toBe(systemd);
    const [compose] = parse(join(DOCKER, 'compose.yaml')) as Compose[];
    expect(merged(compose.services.worker).environment?.NODE_OPTIONS).toBe(systemd);
    // The API keeps its own (smaller) heap: the worker's flags are not in the shared environment.
    expect(merged(compose.services.api).environment?.NODE_OPTIONS).toBeUndefined();
  });

  it('the compose Prometheus config passes promtool check config and scrapes every job the alerts select on', () => {
    const promtool = findTool('promtool');
    if (!promtool) throw new Error("promtool is not installed (Debian's prometheus package; .ci/run installs it)");
    const dir = mkdtempSync(join(tmpdir(), 'data-sync-prometheus-'));
    try {
      const config = readFileSync(join(REPO, 'deploy', 'prometheus', 'prometheus.compose.yml'), 'utf8');
      copyFileSync(join(REPO, 'deploy', 'prometheus', 'alerts.yml'), join(dir, 'alerts.yml'));
      writeFileSync(join(dir, 'prometheus.yml'), config.replace('/etc/prometheus/alerts.yml', 'alerts.yml'));
      const run = spawnSync(promtool, ['check', 'config', join(dir, 'prometheus.yml')], { encoding: 'utf8' });
      expect(`${run.stdout}${run.stderr}`).toContain('SUCCESS');
      expect(run.status).toBe(0);
      const alerts = readFileSync(join(REPO, 'deploy', 'prometheus', 'alerts.yml'), 'utf8');
      const jobsUsed = new Set([...alerts.matchAll(/job="([a-z-]+)"/g)].map((m) => m[1]));
      const jobsScraped = new Set([...config.matchAll(/job_name: ([a-z-]+)/g)].map((m) => m[1]));
      expect([...jobsUsed].filter((job) => !jobsScraped.has(job))).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('Dockerfile: multi-stage on Node 24 pinned by version and digest, npm ci, build, prune, non-root, API by default', () => {
    const dockerfile = readFileSync(join(DOCKER, 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/^ARG NODE_IMAGE=node:24\.\d+\.\d+-bookworm-slim@sha256:[0-9a-f]{64}$/m);
    expect(dockerfile.match(/^FROM \$\{NODE_IMAGE\} AS \w+$/gm)).toHaveLength(2);
    expect(dockerfile).toMatch(/npm ci\b/);
    expect(dockerfile).toMatch(/npm run build\b/);
    expect(dockerfile).toMatch(/npm prune --omit=dev\b/);
    // tsconfig-paths is a runtime dependency: no copy-aside around the prune.
    expect(dockerfile).not.toContain('/keep');
    const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
      engines: { node: string };
    };
    expect(pkg.dependencies).toHaveProperty('tsconfig-paths');
    expect(dockerfile).toMatch(/^USER 10001:10001$/m);
    expect(dockerfile).toMatch(/^COPY --from=build \/app\/libs\/db\/migrations /m);
    expect(dockerfile).toMatch(/^CMD \["node", "-r", "tsconfig-paths\/register", "dist\/apps\/api\/src\/main\.js"\]$/m);
    expect(dockerfile).toMatch(/^HEALTHCHECK /m);
  });

  // No Docker engine or hadolint on the build machine: this is the parse check that can run here.
  it('Dockerfile parses: known instructions only, JSON-form CMD/HEALTHCHECK, every FROM a named stage or the pinned ARG', () => {
    const instructions = dockerInstructions(readFileSync(join(DOCKER, 'Dockerfile'), 'utf8'));
    const known = new Set([
      'ARG',
      'FROM',
      'WORKDIR',
      'ENV',
      'COPY',
      'RUN',
      'USER',
      'VOLUME',
      'EXPOSE',
      'STOPSIGNAL',
      'CMD',
      'HEALTHCHECK',
    ]);
    expect(instructions.filter((i) => !known.has(i.keyword))).toEqual([]);
    const stages = new Set<string>();
    for (const { keyword, args } of instructions) {
      if (keyword === 'FROM') {
        const [image, as, stage] = args.split(/\s+/);
        expect({ image, as }).toEqual({ image: '${NODE_IMAGE}', as: 'AS' });
        stages.add(stage);
      }
      const from = /--from=(\w+)/.exec(args)?.[1];
      if (keyword === 'COPY' && from) expect(stages.has(from)).toBe(true);
    }
    const cmd = instructions.find((i) => i.keyword === 'CMD')!;
    expect(Array.isArray(JSON.parse(cmd.args))).toBe(true);
    const healthcheck = instructions.find((i) => i.keyword === 'HEALTHCHECK')!;
    expect(healthcheck.args).toMatch(/^--interval=\d+s --timeout=\d+s --start-period=\d+s --retries=\d+ CMD \[/);
  });

  it('the image HEALTHCHECK command succeeds on a live /health/live and fails when nothing answers', async () => {
    const instructions = dockerInstructions(readFileSync(join(DOCKER, 'Dockerfile'), 'utf8'));
    const args = instructions.find((i) => i.keyword === 'HEALTHCHECK')!.args;
    const [command, ...rest] = JSON.parse(args.slice(args.indexOf('CMD ') + 4)) as string[];
    expect(command).toBe('node');
    const server = createServer((req, res) => res.writeHead(req.url === '/health/live' ? 200 : 404).end('{}'));
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const port = (server.address() as { port: number }).port;
    // Asynchronously: the stub server answers from this process's event loop.
    const check = (healthPort: number) =>
      new Promise<number | null>((done) =>
        spawn(process.execPath, rest, {
          env: { ...process.env, HEALTHCHECK_PORT: String(healthPort) },
          stdio: 'ignore',
        }).once('exit', done),
      );
    try {
      expect(await check(port)).toBe(0);
      expect(await check(await freePort())).toBe(1);
    } finally {
      server.close();
    }
  });
});

// scripts/image-dry-run.sh builds and runs the image without Docker (in CI); these keep its reading of the Dockerfile
// honest without the minutes a full dry run takes.
describe('image dry run: reading the Dockerfile (scripts/dockerfile-replay.ts)', () => {
  const dockerfile = () => readFileSync(join(DOCKER, 'Dockerfile'), 'utf8');
  const calls = (steps: Step[], verb: string) => steps.filter((s) => s.verb === verb).map((s) => s.args);
  const problems = (text: string): string[] => {
    try {
      replayPlan(text);
    } catch (error) {
      if (error instanceof ReplayError) return error.problems;
      throw error;
    }
    return [];
  };

  it('replays every instruction: build-context copies, RUNs, runtime copies from the build, user, entries', () => {
    const steps = replayPlan(dockerfile());
    expect(calls(steps, 'stage').map(([name]) => name)).toEqual(['build', 'runtime']);
    expect(calls(steps, 'copy_context')).toEqual([
      ['./', 'package.json', 'package-lock.json'],
      ['./', 'tsconfig.json', 'tsconfig.build.json', 'nest-cli.json'],
      ['./apps', 'apps'],
      ['./libs', 'libs'],
      ['./src', 'src'],
    ]);
    const runs = calls(steps, 'run').map(([command]) => command.replace(/\s+/g, ' '));
    expect(runs).toEqual([
      'npm ci',
      `npm run build && npm prune --omit=dev && TS_NODE_BASEURL=./dist node -r tsconfig-paths/register -e "require('@app/config')"`,
    ]);
    expect(calls(steps, 'copy_from')).toEqual([
      ['build', './', '/app/package.json', '/app/tsconfig.json'],
      ['build', './node_modules', '/app/node_modules'],
      ['build', './dist', '/app/dist'],
      ['build', './libs/db/migrations', '/app/libs/db/migrations'],
    ]);
    // The runtime stage's account set-up is replayed, never run on the host.
    expect(calls(steps, 'account')).toEqual([['10001', '10001', '/var/lib/data-sync']]);
    expect(calls(steps, 'chown')).toEqual([['10001:10001', '/var/lib/data-sync']]);
    expect(calls(steps, 'user')).toEqual([['10001', '10001']]);
    expect(calls(steps, 'stopsignal')).toEqual([['SIGTERM']]);
    expect(calls(steps, 'entry')).toEqual([
      ['api'],
      ['worker', 'node', '-r', 'tsconfig-paths/register', 'dist/apps/worker/src/main.js'],
      ['migrate', 'node', '-r', 'tsconfig-paths/register', 'dist/src/cli/cli.js', 'migrate'],
    ]);
    expect(calls(steps, 'entry_env')).toEqual([['worker', 'HEALTHCHECK_PORT=3001']]);
  });

  it.each([
    [
      'an instruction it does not know',
      (d: string) => d.replace(/^(USER .*)$/m, 'ADD https://example.com/x /x\n$1'),
      'ADD',
    ],
    [
      'a COPY flag',
      (d: string) => d.replace('COPY --from=build /app/dist', 'COPY --from=build --chown=1:1 /app/dist'),
      '--chown',
    ],
    [
      'a wildcard',
      (d: string) => d.replace('COPY package.json package-lock.json ./', 'COPY package*.json ./'),
      'wildcard',
    ],
    [
      'a host-changing RUN beside the account set-up',
      (d: string) => d.replace('&& mkdir -p', '&& apt-get install -y curl && mkdir -p'),
      'mixes',
    ],
    ['an unknown account option', (d: string) => d.replace('--shell /usr/sbin/nologin', '--create-home'), 'useradd'],
    ['a shell-form CMD', (d: string) => d.replace(/^CMD .*$/m, 'CMD node dist/apps/api/src/main.js'), 'exec form'],
    ['a missing documented entry', (d: string) => d.replace(/^#\s+worker\s+docker run.*$/m, '#'), 'worker'],
  ])('refuses %s, saying where', (_what, change, mentioned) => {
    const changed = change(dockerfile());
    expect(changed).not.toBe(dockerfile());
    const [first] = problems(changed);
    expect(first).toMatch(/^(line \d+|header comment):/);
    expect(first).toContain(mentioned);
  });

  it('honours the .dockerignore as Docker does: patterns from the context root, ** across folders, parents', () => {
    const ignored = dockerIgnore(readFileSync(join(DOCKER, 'Dockerfile.dockerignore'), 'utf8'));
    for (const path of [
      'node_modules',
      'apps/api/node_modules/x.js',
      'dist/main.js',
      'test/a.ts',
      'a.log',
      'libs/x/b.log',
    ])
      expect([path, ignored(path)]).toEqual([path, true]);
    for (const path of ['apps/api/src/main.ts', 'libs/db/migrations/0000_init.sql', 'src/dist/x.ts', 'apps/test/x.ts'])
      expect([path, ignored(path)]).toEqual([path, false]);
    expect(() => dockerIgnore('dist\n!dist/keep')).toThrow(ReplayError);
  });

  it("copies from the context as COPY does: a folder's contents, files into a folder, ignored paths left out", () => {
    const dir = mkdtempSync(join(tmpdir(), 'data-sync-replay-'));
    try {
      const context = join(dir, 'context');
      for (const file of ['apps/a.ts', 'apps/node_modules/m.js', 'apps/x.log', 'package.json', 'dist/d.js'])
        writeFileAt(join(context, file), file);
      writeFileSync(join(dir, 'ignore'), '**/node_modules\ndist\n**/*.log\n');
      copyFromContext(context, join(dir, 'ignore'), join(dir, 'out/app/apps'), ['apps']);
      copyFromContext(context, join(dir, 'ignore'), join(dir, 'out/app/'), ['package.json']);
      expect(listFiles(join(dir, 'out'))).toEqual(['app/apps/a.ts', 'app/package.json']);
      expect(() => copyFromContext(context, join(dir, 'ignore'), join(dir, 'out/'), ['dist'])).toThrow(/not found/);
      expect(() => copyFromContext(context, join(dir, 'ignore'), join(dir, 'out/'), ['../x'])).toThrow(/outside/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

function writeFileAt(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}

function listFiles(dir: string, prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? listFiles(join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`]))
    .sort();
}

/** Dockerfile instructions with continuation lines joined and comments dropped. */
function dockerInstructions(text: string): { keyword: string; args: string }[] {
  const logical: string[] = [];
  let current = '';
  for (const line of text.split('\n')) {
    if (/^\s*#/.test(line) && !current) continue;
    if (/^\s*#/.test(line)) continue;
    current += line.replace(/\\$/, ' ');
    if (!line.endsWith('\\')) {
      if (current.trim()) logical.push(current.trim());
      current = '';
    }
  }
  return logical.map((line) => {
    const [keyword] = line.split(/\s+/);
    return { keyword, args: line.slice(keyword.length).trim().replace(/\s+/g, ' ') };
  });
}

// ---- systemd ----------------------------------------------------------------------------------------------------------

type Unit = Map<string, Map<string, string[]>>;

function parseUnit(path: string): Unit {
  const unit: Unit = new Map();
  let section: Map<string, string[]> | undefined;
  for (const raw of readFileSync(path, 'utf8').split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[(\w+)\]$/.exec(line);
    if (header) {
      section = new Map();
      unit.set(header[1], section);
      continue;
    }
    const eq = line.indexOf('=');
    if (!section || eq < 1) throw new Error(`${path}: cannot read line ${JSON.stringify(raw)}`);
    const key = line.slice(0, eq);
    section.set(key, [...(section.get(key) ?? []), line.slice(eq + 1)]);
  }
  return unit;
}

const value = (unit: Unit, section: string, key: string) => unit.get(section)?.get(key)?.at(-1);

describe('systemd units (deploy/systemd)', () => {
  const files = ['data-sync-api.service', 'data-sync-worker@.service', 'data-sync-migrate.service'];

  it.each(files)('%s: environment file, hardening, data-sync user', (file) => {
    const unit = parseUnit(join(SYSTEMD, file));
    const service = (key: string) => value(unit, 'Service', key);
    expect(service('EnvironmentFile')).toBe('/etc/data-sync/env');
    expect(service('User')).toBe('data-sync');
    expect(service('NoNewPrivileges')).toBe('yes');
    expect(service('ProtectSystem')).toBe('strict');
    expect(service('ReadWritePaths')).toContain('/var/lib/data-sync');
    expect(service('PrivateTmp')).toBe('yes');
    expect(service('WorkingDirectory')).toBe('/opt/data-sync');
    // V8's JIT needs writable+executable memory: this setting would crash node at start.
    expect(service('MemoryDenyWriteExecute')).toBeUndefined();
    expect(service('ExecStart')).toMatch(/\/usr\/bin\/node -r tsconfig-paths\/register dist\//);
  });

  it.each(['data-sync-api.service', 'data-sync-worker@.service'])(
    '%s: SIGTERM, 40 s to stop, 143 is a clean stop, restart on failure, after (but not bound to) the migrations',
    (file) => {
      const unit = parseUnit(join(SYSTEMD, file));
      expect(value(unit, 'Service', 'KillSignal')).toBe('SIGTERM');
      expect(value(unit, 'Service', 'TimeoutStopSec')).toBe('40');
      expect(value(unit, 'Service', 'SuccessExitStatus')).toBe('143');
      expect(value(unit, 'Service', 'Restart')).toBe('on-failure');
      expect(value(unit, 'Unit', 'After')).toContain('data-sync-migrate.service');
      expect(value(unit, 'Unit', 'Wants')).toContain('data-sync-migrate.service');
      // Requires/BindsTo/PartOf would stop this service while the migrate unit restarts, or keep it down after
      // a failed migration at boot.
      for (const key of ['Requires', 'BindsTo', 'PartOf', 'Requisite'])
        expect({ key, value: value(unit, 'Unit', key) }).toEqual({ key, value: undefined });
    },
  );

  it.each(files)('%s: memory and CPU bounds, and a V8 heap cap below MemoryMax', (file) => {
    const unit = parseUnit(join(SYSTEMD, file));
    const toBytes = (size: string) => Number(/^(\d+)M$/.exec(size)?.[1]) * 1024 * 1024;
    const memoryMax = toBytes(value(unit, 'Service', 'MemoryMax') ?? '');
    expect(memoryMax).toBeGreaterThan(0);
    expect(value(unit, 'Service', 'CPUQuota')).toMatch(/^\d+%$/);
    const env = (unit.get('Service')?.get('Environment') ?? []).join(' ');
    const heapMb = Number(/--max-old-space-size=(\d+)/.exec(env)?.[1]);
    expect(heapMb * 1024 * 1024).toBeLessThan(memoryMax * 0.8);
  });

  it('the migrate unit retries a failure (database not up yet at boot) a bounded number of times', () => {
    const migrate = parseUnit(join(SYSTEMD, 'data-sync-migrate.service'));
    expect(value(migrate, 'Service', 'Restart')).toBe('on-failure');
    expect(value(migrate, 'Service', 'RestartSec')).toMatch(/^\d+s$/);
    expect(Number(value(migrate, 'Unit', 'StartLimitBurst'))).toBeGreaterThanOrEqual(10);
  });

  it('the worker template takes its health port from the instance name; migrations are a oneshot before the API', () => {
    const worker = parseUnit(join(SYSTEMD, 'data-sync-worker@.service'));
    expect(value(worker, 'Service', 'ExecStart')).toContain('WORKER_PORT=%i ');
    expect(value(worker, 'Service', 'ExecStart')).toContain('dist/apps/worker/src/main.js');
    const migrate = parseUnit(join(SYSTEMD, 'data-sync-migrate.service'));
    expect(value(migrate, 'Service', 'Type')).toBe('oneshot');
    expect(value(migrate, 'Service', 'RemainAfterExit')).toBe('yes');
    expect(value(migrate, 'Service', 'ExecStart')).toMatch(/dist\/src\/cli\/cli\.js migrate$/);
    expect(value(migrate, 'Unit', 'Before')).toContain('data-sync-api.service');
  });

  it('env.example names the secrets with placeholders only', () => {
    const env = readFileSync(join(SYSTEMD, 'env.example'), 'utf8');
    const vars = new Map(
      env
        .split('\n')
        .filter((line) => /^[A-Z_]+=/.test(line))
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)] as const),
    );
    expect(vars.get('JWT_SECRET')).toContain('CHANGE-ME');
    expect((vars.get('JWT_SECRET') ?? '').length).toBeGreaterThanOrEqual(32);
    expect(vars.get('DATABASE_URL')).toContain('CHANGE-ME');
    expect(vars.has('REDIS_URL')).toBe(true);
    expect(vars.get('NODE_ENV')).toBe('production');
    expect(vars.has('WORKER_PORT')).toBe(false); // per instance, from the unit
  });

  const analyze = findTool('systemd-analyze');
  (analyze ? it : it.skip)('`systemd-analyze verify` accepts the units (when systemd-analyze is here)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'data-sync-units-'));
    try {
      for (const file of files) copyFileSync(join(SYSTEMD, file), join(dir, file));
      // A template is verified through an instance of it.
      copyFileSync(join(SYSTEMD, 'data-sync-worker@.service'), join(dir, 'data-sync-worker@3001.service'));
      const units = ['data-sync-api.service', 'data-sync-migrate.service', 'data-sync-worker@3001.service'];
      const run = spawnSync(analyze!, ['verify', '--man=no', ...units.map((u) => join(dir, u))], {
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('logrotate (deploy/logrotate/data-sync)', () => {
  it('covers the nginx JSON access log (reopened with USR1) and /var/log/data-sync (copytruncate)', () => {
    const config = readFileSync(LOGROTATE, 'utf8');
    expect(config).toContain('/var/log/nginx/data-sync.access.json {');
    expect(config).toMatch(/kill -USR1 "\$\(cat \/run\/nginx\.pid\)"/);
    expect(config).toContain('/var/log/data-sync/*.log {');
    expect(config).toContain('copytruncate');
    const nginxConf = readFileSync(join(REPO, 'nginx', 'nginx.conf'), 'utf8');
    expect(nginxConf).toContain('access_log /var/log/nginx/data-sync.access.json data_sync_json');
  });

  const logrotate = findTool('logrotate');
  (logrotate ? it : it.skip)('`logrotate -d` reads it without errors (when logrotate is here)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'data-sync-logrotate-'));
    try {
      const copy = join(dir, 'data-sync');
      copyFileSync(LOGROTATE, copy);
      const run = spawnSync(logrotate!, ['-d', '-s', join(dir, 'state'), copy], { encoding: 'utf8', timeout: 30_000 });
      const output = `${run.stdout}${run.stderr}`;
      expect(output).not.toMatch(/^error:/m);
      expect(run.status).toBe(0);
      expect(output).toContain('rotating pattern: /var/log/nginx/data-sync.access.json');
      expect(output).toContain('rotating pattern: /var/log/data-sync/*.log');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('Redis for production (deploy/redis/redis.conf)', () => {
  it('a redis-server started on the file runs AOF everysec, noeviction, a maxmemory and no RDB snapshots', async () => {
    const redisServer = findTool('redis-server');
    if (!redisServer) throw new Error('redis-server is not installed (apt-get install -y redis-server)');
    const dir = mkdtempSync(join(tmpdir(), 'data-sync-redis-conf-'));
    const port = await freePort();
    // The file as shipped; only where it listens and writes differ (as in deploy/k8s/redis.yaml).
    const child = spawn(redisServer, [REDIS_CONF, '--port', String(port), '--dir', dir], { stdio: 'ignore' });
    const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 1 });
    client.on('error', () => undefined);
    try {
      await waitFor(
        () =>
          client.ping().then(
            (pong) => pong === 'PONG',
            () => false,
          ),
        10_000,
        'redis-server did not start on deploy/redis/redis.conf',
      );
      const get = async (key: string) => (await client.config('GET', key))[1];
      expect(await get('appendonly')).toBe('yes');
      expect(await get('appendfsync')).toBe('everysec');
      expect(await get('maxmemory-policy')).toBe('noeviction');
      expect(Number(await get('maxmemory'))).toBeGreaterThanOrEqual(256 * 1024 * 1024);
      expect(await get('save')).toBe('');
    } finally {
      client.disconnect();
      child.kill('SIGTERM');
      await new Promise((done) => child.once('exit', done));
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
