// Validates the deployment files against real schemas and against what the worker actually reads.
// Run through scripts/validate-deploy (which also parses docker-compose.yml with docker-compose itself).
//
//  1. Every Kubernetes manifest in infra/k8s against its schema (kubernetes-models: the Kubernetes OpenAPI schemas,
//     and KEDA's CRD schema for the ScaledObject): types, required fields, enums, formats.
//  2. The same manifests type-checked by TypeScript against the models' interfaces, which rejects unknown fields
//     (a misspelt `periodSecond` is silently dropped by a lenient apply).
//  3. Consistency: every worker variable in compose and k8s is one the worker declares (ops.Setting), ports, grace
//     periods, selectors and credentials agree, and the metrics KEDA and Grafana query are ones the worker exports
//     (docs/metrics.md, generated from the worker's ops.Metric declarations).
import { readFileSync, readdirSync, mkdirSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import ts from 'typescript';
import dockerfileUtils from 'dockerfile-utils';
import { execFileSync } from 'node:child_process';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const rel = (p) => path.relative(root, p);
const errors = [];
const warnings = [];
const error = (where, msg) => errors.push(`${where}: ${msg}`);
const warn = (where, msg) => warnings.push(`${where}: ${msg}`);

// group.share.max.size on the brokers: Kafka 4.4's default (GroupCoordinatorConfig). Every worker slot is a share-group
// member, so the fleet's slots must fit under it. Raise it here when your brokers raise it (at most 1,000).
const SHARE_GROUP_MAX_SIZE = 200;

// Variables the runtime reads besides the worker's own settings.
const RUNTIME_VARS = new Set(['JDK_JAVA_OPTIONS', 'JAVA_TOOL_OPTIONS', 'MALLOC_ARENA_MAX']);

// ---------------------------------------------------------------------------------------------------------------
// What the worker declares: its ops.Setting variables and its metrics.
function javaSources(dir) {
  const out = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...javaSources(p));
    else if (e.name.endsWith('.java')) out.push(readFileSync(p, 'utf8'));
  }
  return out;
}
const workerSources = javaSources(path.join(root, 'worker/src/main/java')).join('\n');
const declaredVars = new Set(
  [...workerSources.matchAll(/(?:Setting\.\w+|new Setting<>)\(\s*"([A-Z][A-Z0-9_]*)"/g)].map((m) => m[1]));
if (declaredVars.size === 0) error('worker/src/main/java', 'found no ops.Setting declarations');
// Settings declared secret (Setting.secret): they belong in the Secret, never in the ConfigMap.
const secretVars = new Set([...workerSources.matchAll(/Setting\.secret\(\s*"([A-Z][A-Z0-9_]*)"/g)].map((m) => m[1]));
// The worker's metrics: docs/metrics.md's table, generated from the declarations in worker ops/Metric.java and kept in
// step with them by the worker's MetricsDocTest. Its first column is the family on /metrics, its second the type.
const metricsDoc = readFileSync(path.join(root, 'docs/metrics.md'), 'utf8');
const metricsTable = /<!-- metrics-table:start[^\n]*-->\n([\s\S]*?)<!-- metrics-table:end -->/.exec(metricsDoc);
const metrics = new Map(); // family -> type
for (const m of (metricsTable?.[1] ?? '').matchAll(/^\| `([a-z_][a-z0-9_]*)` \| (counter|gauge|histogram) \|/gm)) {
  metrics.set(m[1], m[2]);
}
if (metrics.size === 0) error('docs/metrics.md', 'found no metrics table');

/** Whether a Prometheus series is one the worker exports: a documented family, or a histogram's series. */
function registered(series) {
  if (metrics.has(series)) return true;
  const m = /^(.*)_(bucket|count|sum|max)$/.exec(series);
  return m != null && metrics.get(m[1]) === 'histogram';
}

// Old names ("mint_queue_bytes") are caught too: they match no documented family.
function checkMetrics(where, text, severity) {
  const series = new Set([...text.matchAll(/\b((?:recorder|mint)_[a-z0-9_]+)/g)].map((m) => m[1]));
  for (const s of series) {
    if (!registered(s)) severity(where, `metric ${s} is not one the worker exports (see docs/metrics.md)`);
  }
  return series;
}

function checkVar(where, name) {
  if (!declaredVars.has(name) && !RUNTIME_VARS.has(name)) {
    error(where, `${name} is not a variable the worker reads (see README.md, "Configuration")`);
  }
}

function seconds(text) {
  const s = String(text).trim();
  let m;
  if ((m = /^(\d+)ms$/.exec(s))) return Number(m[1]) / 1000;
  if ((m = /^(\d+)([smh])$/.exec(s))) return Number(m[1]) * { s: 1, m: 60, h: 3600 }[m[2]];
  if ((m = /^PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?$/i.exec(s))) {
    return Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
  }
  return NaN;
}

// ---------------------------------------------------------------------------------------------------------------
// Requests and limits against the measured figures (bench/results/capacity.json) and the worker's settings: the
// arithmetic infra/README.md shows ("Sizing"). The governor budgets 80% of the limit and acts at 70% (WARN) and 85%
// (CRITICAL: intake paused, queues shrunk) of that budget (docs/design.md, "Memory governor").
const readmeDefaults = Object.fromEntries([...readFileSync(path.join(root, 'README.md'), 'utf8')
  .matchAll(/^\| `([A-Z][A-Z0-9_]*)`(?: \(was `[A-Z0-9_]+`\))? \| `([^`]*)` \|/gm)].map((m) => [m[1], m[2]]));
function quantity(q) {
  const m = /^(\d+(?:\.\d+)?)(m|Ki|Mi|Gi|k|M|G)?$/.exec(String(q));
  if (!m) return NaN;
  const unit = { m: 1e-3, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, k: 1e3, M: 1e6, G: 1e9 }[m[2]] ?? 1;
  return Number(m[1]) * unit;
}
function sizing(figures, settings, rooms) {
  const num = (k) => Number(settings[k] ?? readmeDefaults[k]);
  const MB = 1e6;
  const idle = figures.worker_idle_rss_mb * MB;
  const room = Math.max(figures.rss_per_room_mb_at_max_clean, figures.rss_per_room_mb_marginal) * MB;
  const queues = num('ROOM_VIDEO_QUEUE_BYTES') + num('ROOM_AUDIO_QUEUE_BYTES');
  const parts = (num('S3_MAX_PARTS_IN_FLIGHT') + 1) * num('S3_PART_SIZE');
  const steady = idle + rooms * room;
  const worst = steady + rooms * (queues + parts);
  const lastAdmission = idle + (rooms - 1) * room + num('MEMORY_ROOM_COST_BYTES') + num('MEMORY_HEADROOM_BYTES');
  const budget = Math.max(steady / 0.70, worst / 0.85, lastAdmission);
  return { steady, worst, lastAdmission, budget, limit: budget / 0.80,
    cores: figures.worker_idle_cores + rooms * figures.worker_cpu_s_per_room_s_at_max_clean };
}
function checkSizing(where, resources, cm) {
  const figures = JSON.parse(readFileSync(path.join(root, 'bench/results/capacity.json'), 'utf8')).figures;
  const rooms = Number(cm.JOBS_MAX_ROOMS ?? readmeDefaults.JOBS_MAX_ROOMS);
  const need = sizing(figures, cm, rooms);
  const limit = quantity(resources.limits.memory);
  const request = quantity(resources.requests?.memory);
  const cpu = quantity(resources.requests?.cpu);
  const mi = (b) => `${Math.ceil(b / 1024 ** 2)}Mi`;
  if (!(limit >= need.limit)) {
    error(where, `memory limit ${resources.limits.memory} < ${mi(need.limit)}, what JOBS_MAX_ROOMS=${rooms} needs by the `
      + 'measured figures (infra/README.md, "Sizing")');
  }
  if (request !== limit) error(where, 'memory request != limit: a pod OOM-killed for a neighbour loses its rooms');
  if (!(cpu >= need.cores)) {
    error(where, `cpu request ${resources.requests?.cpu} < ${need.cores.toFixed(3)} cores, what JOBS_MAX_ROOMS=${rooms} `
      + 'uses by the measured figures (infra/README.md, "Sizing")');
  }
  if (resources.limits.cpu) error(where, 'a CPU limit: CFS throttling stalls the encoders (dropped frames)');
}

// ---------------------------------------------------------------------------------------------------------------
// Kubernetes manifests.
const k8sDir = path.join(root, 'infra/k8s');
const docs = []; // { file, index, obj }
for (const name of readdirSync(k8sDir).filter((f) => /\.ya?ml$/.test(f)).sort()) {
  const file = path.join(k8sDir, name);
  const parsed = parseAllDocuments(readFileSync(file, 'utf8'), { uniqueKeys: true, strict: true });
  parsed.forEach((doc, index) => {
    for (const e of doc.errors) error(`${rel(file)}#${index}`, `YAML: ${e.message}`);
    for (const w of doc.warnings) warn(`${rel(file)}#${index}`, `YAML: ${w.message}`);
    const obj = doc.toJS();
    if (obj != null) docs.push({ file: rel(file), index, obj });
  });
}

function modelOf({ apiVersion, kind }) {
  const pkg = apiVersion?.startsWith('keda.sh/') ? '@kubernetes-models/keda'
    : apiVersion?.startsWith('monitoring.coreos.com/') ? '@kubernetes-models/prometheus-operator'
      : 'kubernetes-models';
  return { spec: `${pkg}/${apiVersion}/${kind}`, iface: `I${kind}` };
}

const manifests = docs.filter((d) => d.obj.kind !== 'Kustomization');
const typeChecked = [];
for (const d of manifests) {
  const where = `${d.file}#${d.index} (${d.obj.kind ?? '?'} ${d.obj.metadata?.name ?? '?'})`;
  if (!d.obj.apiVersion || !d.obj.kind) {
    error(where, 'apiVersion and kind are required');
    continue;
  }
  const { spec, iface } = modelOf(d.obj);
  let model;
  try {
    model = (await import(spec))[d.obj.kind];
  } catch (e) {
    error(where, `no schema for ${d.obj.apiVersion} ${d.obj.kind} (${spec})`);
    continue;
  }
  try {
    new model(d.obj).validate();
  } catch (e) {
    error(where, `schema: ${e.message.replace(/\s+/g, ' ')}`);
  }
  typeChecked.push({ where, spec, iface, obj: d.obj });
}

// Unknown fields: TypeScript's excess-property check against the models' interfaces.
if (typeChecked.length > 0) {
  const checkDir = path.join(here, '.check');
  mkdirSync(checkDir, { recursive: true });
  const lines = typeChecked.map((t, i) => `import type { ${t.iface} as T${i} } from "${t.spec}";`);
  typeChecked.forEach((t, i) => lines.push(`export const m${i}: T${i} = ${JSON.stringify(t.obj)};`));
  const source = path.join(checkDir, 'manifests.mts');
  writeFileSync(source, lines.join('\n') + '\n');
  const program = ts.createProgram([source], {
    strict: true, noEmit: true, skipLibCheck: true, target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, types: [],
  });
  for (const diag of ts.getPreEmitDiagnostics(program)) {
    const text = ts.flattenDiagnosticMessageText(diag.messageText, ' ');
    if (!diag.file || diag.file.fileName !== source) {
      error('typescript', text);
      continue;
    }
    const { line } = diag.file.getLineAndCharacterOfPosition(diag.start ?? 0);
    const i = line - typeChecked.length;
    error(i >= 0 ? typeChecked[i].where : 'typescript', `fields: ${text}`);
  }
}

// Consistency inside infra/k8s.
const byKind = (kind) => manifests.filter((d) => d.obj.kind === kind).map((d) => d.obj);
const [deployment] = byKind('Deployment');
const configMaps = byKind('ConfigMap');
const secrets = byKind('Secret');
const kustomization = docs.find((d) => d.obj.kind === 'Kustomization');
if (kustomization) {
  const listed = new Set(kustomization.obj.resources ?? []);
  const files = new Set(docs.filter((d) => d !== kustomization).map((d) => path.basename(d.file)));
  for (const f of files) if (!listed.has(f)) error(kustomization.file, `${f} is not in resources`);
  for (const f of listed) if (!files.has(f)) error(kustomization.file, `resource ${f} does not exist`);
  // A Secret among the resources would replace the real one with its placeholders on every `kubectl apply -k`.
  for (const d of docs.filter((x) => x.obj.kind === 'Secret' && listed.has(path.basename(x.file)))) {
    error(kustomization.file, `${path.basename(d.file)} is a Secret in resources: every apply would overwrite the real `
      + 'one; generate it from a local file (secretGenerator) or leave it to a secret store');
  }
  // Generated Secrets: their keys come from env files git ignores, so read each file's committed example instead.
  const ignored = readFileSync(path.join(root, '.gitignore'), 'utf8').split('\n').map((l) => l.trim());
  for (const gen of kustomization.obj.secretGenerator ?? []) {
    const where = `${kustomization.file} secretGenerator ${gen.name}`;
    const data = {};
    for (const env of [...(gen.envs ?? []), ...(gen.env ? [gen.env] : [])]) {
      const file = `infra/k8s/${env}`;
      if (!ignored.includes(file)) error(where, `${file} holds credentials but .gitignore does not list it`);
      const example = path.join(root, `${file}.example`);
      if (!existsSync(example)) { error(where, `${file}.example (the committed template of ${env}) is missing`); continue; }
      for (const line of readFileSync(example, 'utf8').split('\n')) {
        const m = /^\s*#?\s*([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
        if (m) data[m[1]] = m[2];
      }
    }
    if ((gen.files ?? []).length > 0) error(where, 'files: the worker reads environment variables; use envs');
    for (const lit of gen.literals ?? []) {
      error(where, `literal ${lit.split('=')[0]}: a credential in kustomization.yaml is committed; use envs`);
    }
    secrets.push({ metadata: { name: gen.name }, stringData: data });
  }
}
let opsPort;
if (!deployment) {
  error('infra/k8s', 'no Deployment');
} else {
  const where = 'infra/k8s Deployment';
  const pod = deployment.spec.template;
  const [container] = pod.spec.containers;
  const cmNames = new Set(); const secretNames = new Set();
  for (const from of container.envFrom ?? []) {
    if (from.configMapRef) {
      const cm = configMaps.find((c) => c.metadata.name === from.configMapRef.name);
      if (!cm) error(where, `envFrom ConfigMap ${from.configMapRef.name} is not defined`);
      else Object.keys(cm.data ?? {}).forEach((k) => { cmNames.add(k); checkVar(`ConfigMap ${cm.metadata.name}`, k); });
    }
    if (from.secretRef) {
      const s = secrets.find((c) => c.metadata.name === from.secretRef.name);
      if (!s) error(where, `envFrom Secret ${from.secretRef.name} is not defined`);
      else [...Object.keys(s.stringData ?? {}), ...Object.keys(s.data ?? {})]
        .forEach((k) => { secretNames.add(k); checkVar(`Secret ${s.metadata.name}`, k); });
    }
  }
  for (const e of container.env ?? []) checkVar(where, e.name);
  for (const k of cmNames) if (secretNames.has(k)) error(where, `${k} is in both the ConfigMap and the Secret`);
  for (const k of secretVars) {
    if (cmNames.has(k)) error(where, `${k} is a secret but sits in the ConfigMap`);
  }
  const cm = Object.assign({}, ...configMaps.map((c) => c.data ?? {}));
  const ops = (container.ports ?? []).find((p) => p.name === 'ops');
  opsPort = String(cm.OPS_PORT ?? '');
  if (!ops) error(where, 'no container port named ops');
  else {
    if (String(ops.containerPort) !== opsPort) error(where, `port ops is ${ops.containerPort} but OPS_PORT is ${opsPort}`);
    const ann = pod.metadata.annotations ?? {};
    if (ann['prometheus.io/scrape'] !== 'true') error(where, 'pods lack prometheus.io/scrape: "true"');
    if (ann['prometheus.io/port'] !== opsPort) error(where, `prometheus.io/port ${ann['prometheus.io/port']} != OPS_PORT ${opsPort}`);
    const probes = { livenessProbe: '/health/live', readinessProbe: '/health/ready' };
    for (const [probe, pathExpected] of Object.entries(probes)) {
      const p = container[probe]?.httpGet;
      if (!p) error(where, `${probe} is missing`);
      else if (p.path !== pathExpected || (p.port !== 'ops' && String(p.port) !== opsPort)) {
        error(where, `${probe} must GET ${pathExpected} on the ops port`);
      }
    }
  }
  const drain = seconds(cm.JOBS_DRAIN_GRACE_PERIOD ?? '25s');
  const grace = pod.spec.terminationGracePeriodSeconds ?? 30;
  const preStopSleep = Number(container.lifecycle?.preStop?.sleep?.seconds ?? 0);
  if (grace < drain + preStopSleep + 10) {
    error(where, `terminationGracePeriodSeconds ${grace} leaves under 10 s after JOBS_DRAIN_GRACE_PERIOD (${drain} s)`);
  }
  // The pods' cloud identity: a ServiceAccount of this kustomization (IRSA annotates it), not the namespace's default.
  const saName = pod.spec.serviceAccountName;
  if (!saName) error(where, 'no serviceAccountName: the pods would run as the namespace\'s default ServiceAccount');
  else if (!byKind('ServiceAccount').some((sa) => sa.metadata.name === saName)) {
    error(where, `serviceAccountName ${saName} is not defined in infra/k8s`);
  }
  const limit = container.resources?.limits?.memory;
  if (!limit) error(where, 'no memory limit: the memory governor budgets 80% of it');
  else checkSizing(where, container.resources, cm);
  if (container.securityContext?.readOnlyRootFilesystem && !(container.volumeMounts ?? []).some((v) => v.mountPath === '/tmp')) {
    error(where, 'read-only root filesystem without a /tmp volume: native libraries unpack there');
  }
  // The natives are x86-64 builds: the pods must land on amd64 nodes, by nodeSelector or a required node affinity.
  const archTerms = pod.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
  const amd64ByAffinity = archTerms.length > 0 && archTerms.every((t) => (t.matchExpressions ?? []).some((e) =>
    e.key === 'kubernetes.io/arch' && e.operator === 'In' && e.values?.length === 1 && e.values[0] === 'amd64'));
  if (pod.spec.nodeSelector?.['kubernetes.io/arch'] !== 'amd64' && !amd64ByAffinity) {
    error(where, 'pods are not pinned to kubernetes.io/arch: amd64 (the natives are x86-64 only)');
  }
  const labels = pod.metadata.labels ?? {};
  const selects = (sel) => Object.entries(sel?.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
  if (!selects(deployment.spec.selector)) error(where, 'selector does not match the pod labels');
  for (const pdb of byKind('PodDisruptionBudget')) {
    if (!selects(pdb.spec.selector)) error(`PodDisruptionBudget ${pdb.metadata.name}`, 'selector does not match the worker pods');
  }
  // The Prometheus Operator ignores prometheus.io/* annotations: a PodMonitor (or a ServiceMonitor and a Service)
  // must select the worker pods and scrape /metrics on the ops port, or every KEDA query comes back empty.
  const namespace = deployment.metadata.namespace;
  const watches = (m) => (m.spec.namespaceSelector?.any === true)
    || (m.spec.namespaceSelector?.matchNames ?? [m.metadata.namespace]).includes(namespace);
  const isOps = (port) => port === 'ops' || String(port) === opsPort;
  let scraped = false;
  for (const pm of byKind('PodMonitor')) {
    const w = `PodMonitor ${pm.metadata.name}`;
    if (!selects(pm.spec.selector)) { error(w, 'selector does not match the worker pods'); continue; }
    if (!watches(pm)) { error(w, `does not watch namespace ${namespace}`); continue; }
    const endpoints = pm.spec.podMetricsEndpoints ?? [];
    const ok = endpoints.filter((e) => isOps(e.port ?? e.portNumber ?? e.targetPort) && (e.path ?? '/metrics') === '/metrics');
    if (ok.length === 0) error(w, 'scrapes no /metrics on the ops port');
    else scraped = true;
  }
  for (const sm of byKind('ServiceMonitor')) {
    const w = `ServiceMonitor ${sm.metadata.name}`;
    const svcLabelsMatch = (svc) => Object.entries(sm.spec.selector?.matchLabels ?? {})
      .every(([k, v]) => (svc.metadata.labels ?? {})[k] === v);
    const svcs = byKind('Service').filter((svc) => svcLabelsMatch(svc) && selects({ matchLabels: svc.spec.selector }));
    if (svcs.length === 0) { error(w, 'selects no Service whose selector matches the worker pods'); continue; }
    const portNames = new Set(svcs.flatMap((svc) => (svc.spec.ports ?? [])
      .filter((p) => isOps(p.targetPort ?? p.port)).map((p) => p.name)));
    if (!(sm.spec.endpoints ?? []).some((e) => portNames.has(e.port) && (e.path ?? '/metrics') === '/metrics')) {
      error(w, 'scrapes no /metrics on a Service port that targets the ops port');
    } else if (watches(sm)) scraped = true;
  }
  if (!scraped) {
    error('infra/k8s', 'no PodMonitor or ServiceMonitor scrapes the workers: the Prometheus Operator ignores '
      + 'prometheus.io/* annotations, so every ScaledObject query would be empty');
  }
  for (const so of byKind('ScaledObject')) {
    const w = `ScaledObject ${so.metadata.name}`;
    if (so.spec.scaleTargetRef?.name !== deployment.metadata.name) error(w, 'scaleTargetRef is not the worker Deployment');
    if (deployment.spec.replicas !== undefined) error(where, 'sets replicas, which fights the ScaledObject on every apply');
    const surge = Number(deployment.spec.strategy?.rollingUpdate?.maxSurge ?? 1);
    const members = Number(so.spec.maxReplicaCount ?? 100) + surge; // one share consumer per worker
    if (!(members <= SHARE_GROUP_MAX_SIZE)) {
      error(w, `maxReplicaCount + maxSurge = ${members} share-group members, over group.share.max.size `
        + `${SHARE_GROUP_MAX_SIZE}: the workers past it cannot dispatch (infra/README.md, "Share-group limits")`);
    }
    for (const t of so.spec.triggers ?? []) {
      if (t.type === 'prometheus') {
        const series = checkMetrics(`${w} trigger ${t.name}`, t.metadata?.query ?? '', error);
        if (series.size === 0) error(`${w} trigger ${t.name}`, 'queries no worker metric');
        for (const m of (t.metadata?.query ?? '').matchAll(/namespace="([^"]*)"/g)) {
          if (m[1] !== namespace) error(`${w} trigger ${t.name}`, `queries namespace ${m[1]}, the workers run in ${namespace}`);
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// docker-compose.yml (docker-compose itself parses it in scripts/validate-deploy; this checks what it means).
const composeFile = path.join(root, 'docker-compose.yml');
const compose = parseYaml(readFileSync(composeFile, 'utf8'), { uniqueKeys: true, merge: true });
const services = compose.services ?? {};
const envOf = (svc) => {
  const env = services[svc]?.environment ?? {};
  return Array.isArray(env) ? Object.fromEntries(env.map((e) => e.split(/=(.*)/s).slice(0, 2))) : env;
};
if (!services.worker) {
  error('docker-compose.yml', 'no worker service');
} else {
  const w = 'docker-compose.yml worker';
  const env = envOf('worker');
  Object.keys(env).forEach((k) => checkVar(w, k));
  if (services.worker.build?.dockerfile !== 'worker/Dockerfile') error(w, 'is not built from worker/Dockerfile');
  if (services.worker.platform !== 'linux/amd64') error(w, 'lacks platform: linux/amd64 (the natives are x86-64 only)');
  const drain = seconds(env.JOBS_DRAIN_GRACE_PERIOD ?? '25s');
  const stop = seconds(services.worker.stop_grace_period ?? '10s');
  if (!(stop >= drain + 5)) {
    error(w, `stop_grace_period ${services.worker.stop_grace_period} < JOBS_DRAIN_GRACE_PERIOD + 5 s`);
  }
  const port = String(env.OPS_PORT ?? '');
  if (!(services.worker.ports ?? []).some((p) => String(p).endsWith(`:${port}`))) error(w, `OPS_PORT ${port} is not published`);
  const dockerfile = readFileSync(path.join(root, 'worker/Dockerfile'), 'utf8');
  if (!new RegExp(`^EXPOSE\\s+${port}\\b`, 'm').test(dockerfile)) error('worker/Dockerfile', `does not EXPOSE OPS_PORT ${port}`);
  if (opsPort && opsPort !== port) error(w, `OPS_PORT ${port} differs from the k8s ConfigMap's ${opsPort}`);
  // One LiveKit key pair across livekit-server, the worker and the publisher.
  const livekit = parseYaml(readFileSync(path.join(root, 'infra/livekit/livekit.yaml'), 'utf8'));
  const keys = livekit.keys ?? {};
  for (const svc of ['worker', 'publisher']) {
    const e = envOf(svc);
    if (keys[e.LIVEKIT_API_KEY] !== e.LIVEKIT_API_SECRET) {
      error(`docker-compose.yml ${svc}`, 'LIVEKIT_API_KEY/SECRET do not match infra/livekit/livekit.yaml keys');
    }
  }
  for (const [k, s] of Object.entries(keys)) {
    if (String(s).length < 32) error('infra/livekit/livekit.yaml', `secret of key ${k} is shorter than 32 characters`);
  }
  const minio = envOf('minio');
  if (env.S3_ACCESS_KEY_ID !== minio.MINIO_ROOT_USER || env.S3_SECRET_ACCESS_KEY !== minio.MINIO_ROOT_PASSWORD) {
    error(w, 'S3 credentials differ from MinIO\'s root user');
  }
  if (envOf('minio-init').S3_BUCKET !== env.S3_BUCKET) error(w, 'S3_BUCKET differs from the bucket minio-init creates');
  const kafkaBootstrap = envOf('kafka').KAFKA_ADVERTISED_LISTENERS ?? '';
  if (!kafkaBootstrap.includes(env.KAFKA_BOOTSTRAP_SERVERS)) {
    error(w, `KAFKA_BOOTSTRAP_SERVERS ${env.KAFKA_BOOTSTRAP_SERVERS} is not an advertised listener of kafka`);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// worker/Dockerfile and tools/recorderctl/Dockerfile: the Docker language server's linter, and what the worker needs
// at run time.
{
  for (const other of ['tools/recorderctl/Dockerfile']) {
    const otherText = readFileSync(path.join(root, other), 'utf8');
    for (const d of dockerfileUtils.validate(otherText)) {
      (d.severity === 1 ? error : warn)(`${other}:${d.range.start.line + 1}`, d.message);
    }
    if (!/^USER\s+(?!0\b|root\b)\S+/m.test(otherText)) error(other, 'lacks a non-root user');
  }
  const file = 'worker/Dockerfile';
  const text = readFileSync(path.join(root, file), 'utf8');
  for (const d of dockerfileUtils.validate(text)) {
    (d.severity === 1 ? error : warn)(`${file}:${d.range.start.line + 1}`, d.message);
  }
  const needs = {
    'webrtc-java OS libraries': /libpulse0 libx11-6 libxfixes3 libxrandr2 libxcomposite1 libudev1 libdbus-1-3/,
    'the JVM flags file copied from worker/src/main/jvm/flags': /COPY .*worker\/src\/main\/jvm\/flags \/app\/jvm\.flags/,
    'the JVM flags file on the java command line': /"java", "@\/app\/jvm\.flags"/,
    'MALLOC_ARENA_MAX': /MALLOC_ARENA_MAX=\d+/,
    'a non-root user': /^USER\s+(?!0\b|root\b)\S+/m,
    'the shaded worker jar': /worker\/target\/mint-recorder-worker\.jar/,
  };
  for (const [what, re] of Object.entries(needs)) if (!re.test(text)) error(file, `lacks ${what}`);
  // The flags themselves: one place (worker/src/main/jvm/flags), read by the Dockerfile, the demo and the benchmarks.
  const flagsFile = 'worker/src/main/jvm/flags';
  const flags = readFileSync(path.join(root, flagsFile), 'utf8').replace(/#.*$/gm, '');
  const flagNeeds = {
    '--enable-native-access': /--enable-native-access=ALL-UNNAMED/,
    'a maximum heap': /-Xmx\d+[mMgG]/,
    'the serial collector': /-XX:\+UseSerialGC/,
  };
  for (const [what, re] of Object.entries(flagNeeds)) if (!re.test(flags)) error(flagsFile, `lacks ${what}`);
}

// ---------------------------------------------------------------------------------------------------------------
// Grafana dashboard: valid JSON, and the metrics it plots are ones the worker exports.
const grafanaDir = path.join(root, 'infra/grafana');
if (existsSync(grafanaDir)) {
  for (const name of readdirSync(grafanaDir).filter((f) => f.endsWith('.json'))) {
    const file = `infra/grafana/${name}`;
    let dash;
    try {
      dash = JSON.parse(readFileSync(path.join(grafanaDir, name), 'utf8'));
    } catch (e) {
      error(file, `not JSON: ${e.message}`);
      continue;
    }
    const panels = (dash.panels ?? []).flatMap((p) => [p, ...(p.panels ?? [])]);
    const ids = new Set();
    for (const p of panels) {
      if (ids.has(p.id)) error(file, `duplicate panel id ${p.id}`);
      ids.add(p.id);
    }
    const exprs = panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr ?? '')).join('\n');
    if (checkMetrics(file, exprs, error).size === 0) error(file, 'plots no worker metric');
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Image pins: every image the files pull is one recorded in image-pins.json, where each tag's check is written down.
{
  const pinsFile = 'infra/validate/image-pins.json';
  const pins = JSON.parse(readFileSync(path.join(root, pinsFile), 'utf8'));
  const dockerfiles = new Set(['worker/Dockerfile']); // plus any a compose service builds from
  const used = new Map(); // image -> [where]
  const use = (image, where) => used.set(image, [...(used.get(image) ?? []), where]);
  for (const [name, svc] of Object.entries(services)) {
    if (svc.image) use(svc.image, `docker-compose.yml ${name}`);
    if (svc.build?.dockerfile) dockerfiles.add(svc.build.dockerfile);
  }
  for (const file of dockerfiles) {
    const stages = new Set();
    const lines = readFileSync(path.join(root, file), 'utf8').split('\n');
    const syntax = /^#\s*syntax\s*=\s*(\S+)/.exec(lines[0] ?? '');
    if (syntax) use(syntax[1], `${file} syntax`);
    for (const line of lines) {
      const m = /^FROM\s+(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?/i.exec(line);
      if (!m) continue;
      if (!stages.has(m[1].toLowerCase())) use(m[1], `${file} FROM`);
      if (m[2]) stages.add(m[2].toLowerCase());
    }
  }
  for (const d of manifests) {
    const spec = d.obj.spec?.template?.spec ?? d.obj.spec?.jobTemplate?.spec?.template?.spec;
    for (const c of [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])]) {
      use(c.image, `${d.file} ${d.obj.kind} ${c.name}`);
    }
  }
  const repoOf = (image) => image.replace(/@.*$/, '').replace(/:[^:/]+$/, '');
  for (const [image, where] of used) {
    const w = `${where.join(', ')}: image ${image}`;
    const rejected = pins.rejected?.[image] ?? pins.rejected?.[repoOf(image)];
    if (rejected) error(w, `is rejected in ${pinsFile}: ${rejected}`);
    else if (!/:[^:/]+$/.test(image.replace(/@.*$/, '')) || /:latest$/.test(image)) error(w, 'has no pinned tag');
    else if (!pins.images?.[image] && !pins.built?.[image]) {
      error(w, `is not in ${pinsFile}: check that the tag exists and record where you checked it`);
    }
  }
  for (const image of [...Object.keys(pins.images ?? {}), ...Object.keys(pins.built ?? {})]) {
    if (!used.has(image)) error(pinsFile, `${image} is pinned but no deployment file uses it`);
  }
  for (const [image, pin] of Object.entries(pins.images ?? {})) {
    if (!pin.source) error(pinsFile, `${image} does not say where its tag was checked`);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Line endings: every executable file (and the Dockerfiles, which run ./mvnw) keeps LF on any checkout (.gitattributes),
// since a CRLF checkout on Windows breaks them inside the Linux containers.
{
  let files = null;
  try {
    files = execFileSync('git', ['ls-files', '-s'], { cwd: root, encoding: 'utf8' }).split('\n')
      .filter((l) => l.startsWith('100755 ')).map((l) => l.split('\t')[1]);
  } catch (e) {
    warn('.gitattributes', `not checked: git ls-files failed (${e.message.split('\n')[0]})`);
  }
  if (files) {
    files.push('worker/Dockerfile', 'tools/recorderctl/Dockerfile', 'infra/kafka/topics.tsv');
    const out = execFileSync('git', ['check-attr', 'eol', '--', ...files], { cwd: root, encoding: 'utf8' });
    for (const line of out.split('\n').filter(Boolean)) {
      const [file, , value] = line.split(': ');
      if (value !== 'lf') error('.gitattributes', `${file} is not kept at eol=lf (it is ${value})`);
    }
  }
}

for (const w of warnings) console.log(`warning: ${w}`);
for (const e of errors) console.log(`ERROR: ${e}`);
console.log(`validate-deploy: ${manifests.length} manifests, docker-compose.yml, ${declaredVars.size} worker variables, `
  + `${metrics.size} worker metrics: ${errors.length} error(s), ${warnings.length} warning(s)`);
process.exit(errors.length === 0 ? 0 : 1);
