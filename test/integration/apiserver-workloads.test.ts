/**
 * The workload and cluster-policy kinds (apps/v1, batch/v1, rbac, scheduling, storage, ...) driven
 * by the real `/usr/bin/kubectl` over HTTPS on SQLite, compared with what kubectl prints against
 * Kubernetes v1.32 (headers, rows, error texts).
 */
import { join } from 'node:path';
import { runCommand } from '../../src/lib/command.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApiServer, type KubectlOptions, type KubectlRun, type TestApiServer } from './helpers/apiserver.js';

let api: TestApiServer;
const kubectl = (args: string[], opts?: KubectlOptions): Promise<KubectlRun> => api.kubectl(args, opts);
const ok = (args: string[], opts?: KubectlOptions): Promise<string> => api.ok(args, opts);

/** A table line with its ages (`0s`, `12s`) as `<age>`. */
const aged = (line: string | undefined): string => (line ?? '').replace(/\b\d+s\b( *)/g, (_m, pad: string) => (pad ? '<age> ' : '<age>'));

const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: applied
spec:
  replicas: 2
  selector:
    matchLabels:
      app: applied
  template:
    metadata:
      labels:
        app: applied
    spec:
      containers:
      - name: app
        image: busybox:1.35
`;

beforeAll(async () => {
  api = await startTestApiServer('apiserver-workloads');
});

afterAll(async () => {
  await api?.close();
});

describe('kubectl with workloads', () => {
  it('api-resources lists the new kinds', async () => {
    const out = await ok(['api-resources']);
    expect(out).toMatch(/^deployments\s+deploy\s+apps\/v1\s+true\s+Deployment$/m);
    expect(out).toMatch(/^jobs\s+batch\/v1\s+true\s+Job$/m);
    expect(out).toMatch(/^priorityclasses\s+pc\s+scheduling\.k8s\.io\/v1\s+false\s+PriorityClass$/m);
    expect(out).toMatch(/^clusterroles\s+rbac\.authorization\.k8s\.io\/v1\s+false\s+ClusterRole$/m);
  });

  it('create deployment (protobuf), get, scale, defaults', async () => {
    expect(await ok(['create', 'deployment', 'web', '--image=busybox', '--replicas=2'])).toBe('deployment.apps/web created');
    const table = (await ok(['get', 'deploy'])).split('\n');
    expect(table[0]).toBe('NAME   READY   UP-TO-DATE   AVAILABLE   AGE');
    expect(aged(table[1])).toBe('web    0/2     0            0           <age>');
    const wide = (await ok(['get', 'deploy', '-o', 'wide'])).split('\n');
    expect(wide[0]).toBe('NAME   READY   UP-TO-DATE   AVAILABLE   AGE   CONTAINERS   IMAGES    SELECTOR');
    expect(aged(wide[1])).toBe('web    0/2     0            0           <age> busybox      busybox   app=web');
    const obj = JSON.parse(await ok(['get', 'deployment', 'web', '-o', 'json'])) as { metadata: { generation: number }; spec: Record<string, unknown> & { template: { spec: Record<string, unknown> } } };
    expect(obj.metadata.generation).toBe(1);
    expect(obj.spec).toMatchObject({ replicas: 2, revisionHistoryLimit: 10, progressDeadlineSeconds: 600, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } } });
    expect(obj.spec.template.spec).toMatchObject({ restartPolicy: 'Always', dnsPolicy: 'ClusterFirst', terminationGracePeriodSeconds: 30, schedulerName: 'default-scheduler' });
    expect(await ok(['scale', 'deployment', 'web', '--replicas=3'])).toBe('deployment.apps/web scaled');
    expect(await ok(['get', 'deployment', 'web', '-o', 'jsonpath={.spec.replicas}/{.metadata.generation}'])).toBe('3/2');
    expect(await ok(['get', '--raw', '/apis/apps/v1/namespaces/default/deployments/web/scale'])).toMatch(/"kind":"Scale","apiVersion":"autoscaling\/v1".*"spec":\{"replicas":3\},"status":\{"replicas":0,"selector":"app=web"\}/);
    expect(await ok(['describe', 'deployment', 'web'])).toMatch(/^Replicas:\s+3 desired \| 0 updated \| 0 total \| 0 available \| 0 unavailable$/m);
    expect(await ok(['get', 'all', '-o', 'name'])).toContain('deployment.apps/web');
    // Labels change metadata only: no generation bump.
    await ok(['label', 'deployment', 'web', 'x=y']);
    expect(await ok(['get', 'deployment', 'web', '-o', 'jsonpath={.metadata.generation}'])).toBe('2');
    // Strategic merge patches through the pod template (containers merged by name).
    expect(await ok(['set', 'image', 'deployment/web', 'busybox=busybox:1.36'])).toBe('deployment.apps/web image updated');
    expect(await ok(['rollout', 'restart', 'deployment/web'])).toBe('deployment.apps/web restarted');
    expect(await ok(['get', 'deployment', 'web', '-o', 'jsonpath={.spec.template.spec.containers[*].image}/{.metadata.generation}'])).toBe('busybox:1.36/4');
  });

  it('validates the selector against the template labels', async () => {
    const bad = DEPLOYMENT.replace('      labels:\n        app: applied', '      labels:\n        app: x').replace('name: applied', 'name: bad');
    expect((await kubectl(['create', '-f', '-'], { input: bad })).stderr).toBe(
      'The Deployment "bad" is invalid: spec.template.metadata.labels: Invalid value: map[string]string{"app":"x"}: `selector` does not match template `labels`',
    );
  });

  it('apply of a Deployment twice', async () => {
    expect(await ok(['apply', '-f', '-'], { input: DEPLOYMENT })).toBe('deployment.apps/applied created');
    expect(await ok(['apply', '-f', '-'], { input: DEPLOYMENT.replace('busybox:1.35', 'busybox:1.36') })).toBe('deployment.apps/applied configured');
    expect(await ok(['apply', '-f', '-'], { input: DEPLOYMENT.replace('busybox:1.35', 'busybox:1.36') })).toBe('deployment.apps/applied unchanged');
    expect(await ok(['get', 'deployment', 'applied', '-o', 'jsonpath={.spec.template.spec.containers[0].image}/{.metadata.generation}'])).toBe('busybox:1.36/2');
  });

  it('jobs, cronjobs and cluster kinds', async () => {
    expect((await kubectl(['get', 'jobs'])).stderr).toBe('No resources found in default namespace.');
    expect(await ok(['create', 'job', 'once', '--image=busybox'])).toBe('job.batch/once created');
    const jobs = (await ok(['get', 'jobs'])).split('\n');
    expect(jobs[0]).toBe('NAME   STATUS    COMPLETIONS   DURATION   AGE');
    expect(aged(jobs[1])).toBe('once   Running   0/1                      <age>');
    const job = JSON.parse(await ok(['get', 'job', 'once', '-o', 'json'])) as { metadata: { uid: string }; spec: { selector: unknown; backoffLimit: number } };
    expect(job.spec).toMatchObject({ backoffLimit: 6, selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': job.metadata.uid } } });
    expect(await ok(['create', 'cronjob', 'tick', '--image=busybox', '--schedule=*/5 * * * *'])).toBe('cronjob.batch/tick created');
    expect((await ok(['get', 'cronjobs'])).split('\n')[0]).toBe('NAME   SCHEDULE      TIMEZONE   SUSPEND   ACTIVE   LAST SCHEDULE   AGE');
    expect(await ok(['get', 'priorityclasses', '-o', 'name'])).toBe('priorityclass.scheduling.k8s.io/system-cluster-critical\npriorityclass.scheduling.k8s.io/system-node-critical');
    expect(await ok(['create', 'clusterrole', 'reader', '--verb=get', '--resource=pods'])).toBe('clusterrole.rbac.authorization.k8s.io/reader created');
    expect(await ok(['create', 'rolebinding', 'rb', '--clusterrole=reader', '--user=alice'])).toBe('rolebinding.rbac.authorization.k8s.io/rb created');
    expect(aged((await ok(['get', 'rolebindings'])).split('\n')[1])).toBe('rb     ClusterRole/reader   <age>');
  });

  it('more generator commands (protobuf bodies) and their tables', async () => {
    const ev = 'apiVersion: events.k8s.io/v1\nkind: Event\nmetadata:\n  name: e1\neventTime: "2025-01-01T00:00:00.000000Z"\nreportingController: test\nreportingInstance: t1\naction: Check\nreason: Checked\ntype: Normal\nregarding:\n  kind: Pod\n  name: p\n  namespace: default\n';
    expect(await ok(['create', '-f', '-'], { input: ev })).toBe('event.events.k8s.io/e1 created');
    expect(await ok(['get', 'events.events.k8s.io', '-o', 'name'])).toBe('event.events.k8s.io/e1');
    // One storage: the core/v1 view of the same Event.
    expect(await ok(['get', 'events', '-o', 'name'])).toBe('event/e1');
    expect(await ok(['get', 'events.v1.', 'e1', '-o', 'jsonpath={.involvedObject.name}/{.reportingComponent}/{.apiVersion}'])).toBe('p/test/v1');
    expect(await ok(['get', 'events.events.k8s.io', 'e1', '-o', 'jsonpath={.regarding.name}/{.reportingController}/{.apiVersion}'])).toBe('p/test/events.k8s.io/v1');
    expect(await ok(['create', 'priorityclass', 'high', '--value=1000'])).toBe('priorityclass.scheduling.k8s.io/high created');
    expect(aged((await ok(['get', 'pc', 'high'])).split('\n')[1])).toBe('high   1000    false            <age>');
    expect(await ok(['create', 'pdb', 'web', '--selector=app=web', '--min-available=1'])).toBe('poddisruptionbudget.policy/web created');
    expect((await ok(['get', 'pdb'])).split('\n').map(aged)).toEqual(['NAME   MIN AVAILABLE   MAX UNAVAILABLE   ALLOWED DISRUPTIONS   AGE', 'web    1               N/A               0                     <age>']);
    expect(await ok(['create', 'role', 'r', '--verb=get', '--resource=configmaps'])).toBe('role.rbac.authorization.k8s.io/r created');
    expect(await ok(['create', 'clusterrolebinding', 'crb', '--clusterrole=reader', '--group=devs'])).toBe('clusterrolebinding.rbac.authorization.k8s.io/crb created');
    expect(await ok(['create', 'quota', 'q', '--hard=pods=10'])).toBe('resourcequota/q created');
    expect(await ok(['get', 'clusterrole', 'reader', '-o', 'jsonpath={.rules[0].verbs[0]}/{.rules[0].resources[0]}'])).toBe('get/pods');
    const sc = 'apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata:\n  name: local\nprovisioner: kubernetes.io/no-provisioner\n';
    expect(await ok(['apply', '-f', '-'], { input: sc })).toBe('storageclass.storage.k8s.io/local created');
    expect((await ok(['get', 'sc'])).split('\n').map(aged)).toEqual([
      'NAME    PROVISIONER                    RECLAIMPOLICY   VOLUMEBINDINGMODE   ALLOWVOLUMEEXPANSION   AGE',
      'local   kubernetes.io/no-provisioner   Delete          Immediate           false                  <age>',
    ]);
  });

  it('certificate signing requests: requester recorded, approve through /approval', async () => {
    const key = join(api.dir, 'csr.key');
    await runCommand('/usr/bin/openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', key]);
    const pem = (await runCommand('/usr/bin/openssl', ['req', '-new', '-key', key, '-subj', '/CN=alice'])).stdout;
    const csr = {
      apiVersion: 'certificates.k8s.io/v1',
      kind: 'CertificateSigningRequest',
      metadata: { name: 'alice' },
      spec: { request: Buffer.from(pem).toString('base64'), signerName: 'kubernetes.io/kube-apiserver-client', usages: ['client auth'], username: 'mallory', expirationSeconds: 86400 },
    };
    expect(await ok(['create', '-f', '-'], { input: JSON.stringify(csr) })).toBe('certificatesigningrequest.certificates.k8s.io/alice created');
    expect(await ok(['certificate', 'approve', 'alice'])).toBe('certificatesigningrequest.certificates.k8s.io/alice approved');
    expect((await ok(['get', 'csr'])).split('\n').map(aged)).toEqual([
      'NAME    AGE   SIGNERNAME                            REQUESTOR          REQUESTEDDURATION   CONDITION',
      'alice   <age> kubernetes.io/kube-apiserver-client   kubernetes-admin   24h                 Approved',
    ]);
  });
});
