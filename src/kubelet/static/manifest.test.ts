import { describe, expect, it } from 'vitest';
import { parseManifest, staticPodUID } from './index.js';

const ctx = { file: '/etc/tskube/manifests/web.yaml', nodeName: 'node1' };

const WEB = `
apiVersion: v1
kind: Pod
metadata:
  name: web
  labels: {app: web}
spec:
  containers:
  - name: app
    image: busybox:1.36
    command: [sleep, "3600"]
`;

describe('parseManifest', () => {
  it('gives a static pod its upstream identity and the API defaults', () => {
    const { pods, errors } = parseManifest(WEB, ctx);
    expect(errors).toEqual([]);
    expect(pods).toHaveLength(1);
    const pod = pods[0]?.pod;
    const uid = pod?.metadata.uid ?? '';
    expect(uid).toMatch(/^[0-9a-f]{32}$/);
    expect(pod?.metadata).toMatchObject({
      name: 'web-node1',
      namespace: 'default',
      annotations: { 'kubernetes.io/config.hash': uid, 'kubernetes.io/config.source': 'file' },
    });
    expect(pod?.spec.nodeName).toBe('node1');
    expect(pod?.spec.tolerations).toEqual([{ operator: 'Exists', effect: 'NoExecute' }]);
    expect(pod?.spec).toMatchObject({ restartPolicy: 'Always', dnsPolicy: 'ClusterFirst', terminationGracePeriodSeconds: 30 });
    expect(pod?.spec.containers[0]).toMatchObject({ imagePullPolicy: 'IfNotPresent', terminationMessagePolicy: 'File' });
    expect(pod?.status).toEqual({ phase: 'Pending' });
  });

  it('derives the UID from content, node and file: layout and key order do not matter', () => {
    const uid = (text: string, c = ctx): string | undefined => parseManifest(text, c).pods[0]?.pod.metadata.uid;
    const reordered = `# a comment\nkind: Pod\napiVersion: v1\nspec: {containers: [{image: "busybox:1.36", name: app, command: [sleep, "3600"]}]}\nmetadata: {labels: {app: web}, name: web}\n`;
    expect(uid(reordered)).toBe(uid(WEB));
    expect(uid(WEB.replace('3600', '3601'))).not.toBe(uid(WEB));
    expect(uid(WEB, { ...ctx, nodeName: 'node2' })).not.toBe(uid(WEB));
    expect(uid(WEB, { ...ctx, file: '/etc/tskube/manifests/other.yaml' })).not.toBe(uid(WEB));
    expect(staticPodUID({ a: 1, b: [1, { c: 2 }] }, ctx)).toBe(staticPodUID({ b: [1, { c: 2 }], a: 1 }, ctx));
  });

  it('keeps a UID the manifest sets, as upstream', () => {
    const { pods } = parseManifest(WEB.replace('  name: web', '  name: web\n  uid: fixed-uid'), ctx);
    expect(pods[0]?.pod.metadata.uid).toBe('fixed-uid');
    expect(pods[0]?.pod.metadata.annotations?.['kubernetes.io/config.hash']).toBe('fixed-uid');
  });

  it('reads several documents, skips empty ones, and keeps the valid ones when another fails', () => {
    const text = `${WEB}---\n# nothing here\n---\n${WEB.replace('name: web', 'name: db')}---\n${WEB.replace('name: web', 'name: bad').replace('    image: busybox:1.36\n', '')}`;
    const { pods, errors } = parseManifest(text, ctx);
    expect(pods.map((e) => [e.document, e.pod.metadata.name])).toEqual([
      [0, 'web-node1'],
      [2, 'db-node1'],
    ]);
    expect(errors).toEqual([{ document: 3, message: 'spec.containers[0].image: Required value', field: 'spec.containers[0].image' }]);
  });

  it('reports YAML syntax errors with their position', () => {
    const { pods, errors } = parseManifest('apiVersion: v1\nkind: Pod\nmetadata: {name: web\n', ctx);
    expect(pods).toEqual([]);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ document: 0, line: expect.any(Number), column: expect.any(Number) });
    expect(errors[0]?.message).toMatch(/^YAML syntax error: /);
  });

  it('accepts only v1 Pods', () => {
    const errs = (text: string): string[] => parseManifest(text, ctx).errors.map((e) => e.message);
    expect(errs('apiVersion: v1\nkind: Service\nmetadata: {name: s}\n')).toEqual([
      'unsupported kind "Service" of apiVersion "v1": static pod manifests must be v1 Pods',
    ]);
    expect(errs('apiVersion: apps/v1\nkind: Pod\n')).toEqual(['unsupported kind "Pod" of apiVersion "apps/v1": static pod manifests must be v1 Pods']);
    expect(errs('apiVersion: v1\nmetadata: {name: s}\n')).toEqual(["Object 'Kind' is missing"]);
    expect(errs('- a\n- b\n')).toEqual(['a manifest must be a YAML or JSON object']);
  });

  it('reports validation errors in upstream wording, env names by the kubelet strict rule', () => {
    const text = WEB.replace('  name: web', '  name: Web_1').replace('    command: [sleep, "3600"]', '    env: [{name: 1X, value: a}]');
    const { errors } = parseManifest(text, ctx);
    expect(errors.map((e) => e.field)).toEqual(['metadata.name', 'spec.containers[0].env[0].name']);
    expect(errors[0]?.message).toMatch(/^metadata\.name: Invalid value: "Web_1-node1": a lowercase RFC 1123 subdomain must consist of/);
  });

  it('reports a missing name as missing, not as an invalid "-node" name', () => {
    const { errors } = parseManifest(WEB.replace('  name: web\n', ''), ctx);
    expect(errors.map((e) => e.message)).toEqual(['metadata.name: Required value: name or generateName is required']);
  });

  it('reports fields of the wrong type instead of throwing', () => {
    const { errors } = parseManifest('apiVersion: v1\nkind: Pod\nmetadata: {name: w}\nspec: {containers: [{name: a, image: b, ports: 80}]}\n', ctx);
    expect(errors).toHaveLength(1);
    expect(errors[0]?.message).toMatch(/^cannot decode pod: /);
  });

  it('reports numbers where strings belong as upstream JSON decoding does', () => {
    const text = WEB.replace('    command: [sleep, "3600"]', '    env: [{name: PORT, value: 8080}]');
    expect(parseManifest(text, ctx).errors.map((e) => e.message)).toEqual([
      'json: cannot unmarshal number into Go struct field EnvVar.spec.containers.env.value of type string',
    ]);
    expect(parseManifest(WEB.replace('{app: web}', '{version: 1.0}'), ctx).errors.map((e) => e.message)).toEqual([
      'json: cannot unmarshal number into Go struct field ObjectMeta.metadata.labels of type string',
    ]);
  });

  it('refuses what a 1.32 kubelet refuses in static pods beyond validation', () => {
    const ctb = WEB.replace('spec:\n', 'spec:\n  volumes: [{name: ca, projected: {sources: [{clusterTrustBundle: {signerName: example.com/ca, path: ca.pem}}]}}]\n');
    expect(parseManifest(ctb, ctx).errors.map((e) => e.message)).toEqual(['static pods may not use ClusterTrustBundle projected volumes']);
  });

  it('reads JSON manifests', () => {
    const json = JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'j' }, spec: { containers: [{ name: 'a', image: 'b' }] } });
    expect(parseManifest(json, ctx).pods[0]?.pod.metadata.name).toBe('j-node1');
  });

  it('reads null members as unset, as Go decoding: `emptyDir:` is an emptyDir', () => {
    const text = WEB.replace('spec:\n', 'spec:\n  volumes:\n  - name: scratch\n    emptyDir:\n  nodeSelector: ~\n');
    const { pods, errors } = parseManifest(text, ctx);
    expect(errors).toEqual([]);
    expect(pods[0]?.pod.spec.volumes).toEqual([{ name: 'scratch', emptyDir: {} }]);
  });

  it('does not add the NoExecute toleration twice', () => {
    const text = WEB.replace('spec:\n', 'spec:\n  tolerations: [{operator: Exists, effect: NoExecute}]\n');
    expect(parseManifest(text, ctx).pods[0]?.pod.spec.tolerations).toEqual([{ operator: 'Exists', effect: 'NoExecute' }]);
  });

  it('reads YAML 1.1 as upstream: octal modes, yes/on booleans, timestamps as strings', () => {
    const volumes = WEB.replace('spec:\n', 'spec:\n  volumes: [{name: s, secret: {secretName: s, defaultMode: 0400}}]\n').replace('{app: web}', '{app: web}\n  annotations: {built: 2024-05-01}');
    const { pods } = parseManifest(volumes, ctx);
    expect(pods[0]?.pod.spec.volumes?.[0]?.secret?.defaultMode).toBe(0o400);
    expect(pods[0]?.pod.metadata.annotations?.built).toBe('2024-05-01');
    const env = WEB.replace('    command: [sleep, "3600"]', '    env: [{name: DEBUG, value: yes}]');
    expect(parseManifest(env, ctx).errors.map((e) => e.message)).toEqual([
      'json: cannot unmarshal bool into Go struct field EnvVar.spec.containers.env.value of type string',
    ]);
  });
});
