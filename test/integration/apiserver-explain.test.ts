/**
 * `kubectl explain` driven by the real `/usr/bin/kubectl` (v1.32) against the API server's OpenAPI
 * v3 documents (on SQLite in a temp dir, own kubectl cache dir): KIND/VERSION/FIELD headers and
 * field types as kubectl prints them against Kubernetes. Also client-side `kubectl apply`, which
 * computes its strategic merge patches from the same documents' merge metadata.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApiServer, type KubectlRun, type TestApiServer } from './helpers/apiserver.js';

let api: TestApiServer;
const kubectl = (args: string[]): Promise<KubectlRun> => api.kubectl(args);
const ok = (args: string[]): Promise<string> => api.ok(args);

/** The header lines (GROUP, KIND, VERSION, FIELD) of an explain output. */
const headers = (out: string): string[] => out.split('\n').filter((l) => /^(GROUP|KIND|VERSION|FIELD):/.test(l));

/** The field lines under FIELDS: (`name\t<type>[ -required-]`, indented by depth), without descriptions. */
function fields(out: string): string[] {
  const lines = out.split('\n');
  return lines.slice(lines.indexOf('FIELDS:') + 1).filter((l) => l.includes('\t<'));
}

beforeAll(async () => {
  api = await startTestApiServer('explain');
});

afterAll(async () => {
  await api?.close();
});

describe('kubectl explain', () => {
  it('explains a kind: pod', async () => {
    const out = await ok(['explain', 'pod']);
    expect(headers(out)).toEqual(['KIND:       Pod', 'VERSION:    v1']);
    expect(out).toContain('DESCRIPTION:\n    <empty>\n');
    expect(fields(out)).toEqual(['  apiVersion\t<string>', '  kind\t<string>', '  metadata\t<ObjectMeta>', '  spec\t<PodSpec>', '  status\t<PodStatus>']);
  });

  it('explains nested fields: pods.spec and pods.spec.containers', async () => {
    const spec = fields(await ok(['explain', 'pods.spec']));
    expect(spec).toEqual(
      expect.arrayContaining([
        '  containers\t<[]Container> -required-',
        '  initContainers\t<[]Container>',
        '  nodeSelector\t<map[string]string>',
        '  overhead\t<map[string]Quantity>',
        '  terminationGracePeriodSeconds\t<integer>',
        '  hostNetwork\t<boolean>',
        '  securityContext\t<PodSecurityContext>',
        '  volumes\t<[]Volume>',
      ]),
    );
    const out = await ok(['explain', 'pods.spec.containers']);
    expect(headers(out)).toEqual(['KIND:       Pod', 'VERSION:    v1', 'FIELD: containers <[]Container>']);
    const containers = fields(out);
    expect(containers).toEqual(
      expect.arrayContaining([
        '  args\t<[]string>',
        '  env\t<[]EnvVar>',
        '  image\t<string>',
        '  livenessProbe\t<Probe>',
        '  name\t<string> -required-',
        '  ports\t<[]ContainerPort>',
        '  resources\t<ResourceRequirements>',
        '  stdin\t<boolean>',
        '  volumeMounts\t<[]VolumeMount>',
      ]),
    );
    expect(containers.map((l) => l.split('\t')[0])).toEqual([...containers.map((l) => l.split('\t')[0])].sort());
    expect(fields(await ok(['explain', 'pods.spec.containers.resources']))).toEqual(['  claims\t<[]ResourceClaim>', '  limits\t<map[string]Quantity>', '  requests\t<map[string]Quantity>']);
    expect(fields(await ok(['explain', 'pods.spec.containers.livenessProbe.httpGet']))).toContain('  port\t<IntOrString> -required-');
    expect(fields(await ok(['explain', 'pods.metadata']))).toEqual(expect.arrayContaining(['  creationTimestamp\t<string>', '  finalizers\t<[]string>', '  generation\t<integer>', '  labels\t<map[string]string>', '  ownerReferences\t<[]OwnerReference>']));
  });

  it('explains recursively: deployment.spec.template.spec.containers.ports', async () => {
    const out = await ok(['explain', 'deployment.spec.template.spec.containers.ports', '--recursive']);
    expect(headers(out)).toEqual(['GROUP:      apps', 'KIND:       Deployment', 'VERSION:    v1', 'FIELD: ports <[]ContainerPort>']);
    expect(fields(out)).toEqual(['  containerPort\t<integer> -required-', '  hostIP\t<string>', '  hostPort\t<integer>', '  name\t<string>', '  protocol\t<string>']);
    const spec = fields(await ok(['explain', 'deployment.spec', '--recursive']));
    expect(spec).toEqual(expect.arrayContaining(['  replicas\t<integer>', '  selector\t<LabelSelector> -required-', '    matchLabels\t<map[string]string>', '  strategy\t<DeploymentStrategy>', '      maxSurge\t<IntOrString>', '  template\t<PodTemplateSpec> -required-', '      containers\t<[]Container> -required-']));
  });

  it('explains cronjobs.spec and other groups', async () => {
    const out = await ok(['explain', 'cronjobs.spec']);
    expect(headers(out)).toEqual(['GROUP:      batch', 'KIND:       CronJob', 'VERSION:    v1', 'FIELD: spec <CronJobSpec>']);
    expect(fields(out)).toEqual([
      '  concurrencyPolicy\t<string>',
      '  failedJobsHistoryLimit\t<integer>',
      '  jobTemplate\t<JobTemplateSpec> -required-',
      '  schedule\t<string> -required-',
      '  startingDeadlineSeconds\t<integer>',
      '  successfulJobsHistoryLimit\t<integer>',
      '  suspend\t<boolean>',
      '  timeZone\t<string>',
    ]);
    expect(fields(await ok(['explain', 'services.spec.ports']))).toContain('  targetPort\t<IntOrString>');
    const events = await ok(['explain', 'events', '--api-version=events.k8s.io/v1']);
    expect(headers(events)).toEqual(['GROUP:      events.k8s.io', 'KIND:       Event', 'VERSION:    v1']);
    expect(fields(events)).toContain('  eventTime\t<string> -required-');
    expect(fields(await ok(['explain', 'bindings']))).toContain('  target\t<ObjectReference> -required-');
  });

  it('says which field does not exist', async () => {
    const r = await kubectl(['explain', 'pods.spec.nope']);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('error: field "nope" does not exist');
  });
});

describe('client-side kubectl apply with the served merge metadata', () => {
  const deployment = (ports: string, env: string, volume: string, finalizer: string): string => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: merge
  finalizers: [${finalizer}]
spec:
  replicas: 1
  selector: {matchLabels: {app: merge}}
  template:
    metadata: {labels: {app: merge}}
    spec:
      volumes: [{name: data, ${volume}}]
      containers:
      - name: app
        image: busybox:1.35
        ports: [${ports}]
        env: [${env}]
        volumeMounts: [{name: data, mountPath: /data}]
`;

  it('merges lists by their keys, keeps what another manager added, replaces a volume source', async () => {
    const first = join(api.dir, 'merge-1.yaml');
    const second = join(api.dir, 'merge-2.yaml');
    await writeFile(first, deployment('{containerPort: 80}, {containerPort: 81}', '{name: A, value: "1"}, {name: B, value: "2"}', 'emptyDir: {}', 'example.com/a'));
    await writeFile(second, deployment('{containerPort: 80}, {containerPort: 82}', '{name: A, value: "1"}, {name: C, value: "3"}', 'hostPath: {path: /tmp}', 'example.com/b'));
    expect(await ok(['apply', '-f', first])).toBe('deployment.apps/merge created');
    // Another manager adds a port and an env var that the applied configuration never had.
    await ok(['patch', 'deployment', 'merge', '--type=json', '-p', '[{"op":"add","path":"/spec/template/spec/containers/0/ports/-","value":{"containerPort":90}},{"op":"add","path":"/spec/template/spec/containers/0/env/-","value":{"name":"X","value":"9"}}]']);
    const applied = await kubectl(['apply', '-f', second]);
    expect(applied.stderr).toBe('');
    expect(applied.stdout).toBe('deployment.apps/merge configured');
    const d = JSON.parse(await ok(['get', 'deployment', 'merge', '-o', 'json'])) as {
      metadata: { finalizers?: string[] };
      spec: { template: { spec: { volumes: Record<string, unknown>[]; containers: { ports: { containerPort: number }[]; env: { name: string }[] }[] } } };
    };
    expect(d.metadata.finalizers).toEqual(['example.com/b']);
    const pod = d.spec.template.spec;
    // Merged by containerPort and name: 81 and B removed, 82 and C added, 90 and X kept.
    expect(pod.containers[0]?.ports.map((p) => p.containerPort).sort()).toEqual([80, 82, 90]);
    expect(pod.containers[0]?.env.map((e) => e.name).sort()).toEqual(['A', 'C', 'X']);
    // volumes merge by name with retainKeys: the emptyDir source is gone.
    expect(pod.volumes).toEqual([{ name: 'data', hostPath: { path: '/tmp', type: '' } }]);
    // Applying again only restates the element order (kubectl says `configured`, as against Kubernetes) and changes nothing.
    await ok(['apply', '-f', second]);
    const again = JSON.parse(await ok(['get', 'deployment', 'merge', '-o', 'json'])) as typeof d;
    expect(again.spec.template.spec).toEqual(d.spec.template.spec);
    // The finalizer would hold the deletion forever: drop it first.
    await ok(['patch', 'deployment', 'merge', '--type=merge', '-p', '{"metadata":{"finalizers":null}}']);
    expect(await ok(['delete', 'deployment', 'merge'])).toBe('deployment.apps "merge" deleted');
  });
});
