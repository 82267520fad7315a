import { describe, expect, it } from 'vitest';
import { configmaps, pods } from '../registry/core.js';
import { checkObject, parseObjectText } from './body.js';
import { goJsonSyntaxError } from './go-json.js';
import { negotiate } from './negotiate.js';
import { parseRequestInfo, requestUrl } from './request-info.js';

const q = (s = ''): URLSearchParams => new URLSearchParams(s);

describe('request info', () => {
  it.each([
    ['GET', '/api', {}, { kind: 'root', prefix: 'api' }],
    ['GET', '/apis/coordination.k8s.io', {}, { kind: 'group', group: 'coordination.k8s.io' }],
    ['GET', '/api/v1', {}, { kind: 'groupVersion', group: '', version: 'v1' }],
    ['GET', '/api/v1/namespaces/ns/pods', {}, { kind: 'resource', namespace: 'ns', resource: 'pods', name: '', verb: 'list' }],
    ['GET', '/api/v1/pods', { watch: 'true' }, { kind: 'resource', namespace: '', resource: 'pods', verb: 'watch' }],
    ['PUT', '/api/v1/namespaces/ns/pods/web/status', {}, { resource: 'pods', name: 'web', subresource: 'status', verb: 'update' }],
    ['GET', '/api/v1/namespaces/ns', {}, { namespace: '', resource: 'namespaces', name: 'ns', verb: 'get' }],
    ['PUT', '/api/v1/namespaces/ns/finalize', {}, { resource: 'namespaces', name: 'ns', subresource: 'finalize', verb: 'update' }],
    ['DELETE', '/apis/coordination.k8s.io/v1/namespaces/ns/leases', {}, { group: 'coordination.k8s.io', resource: 'leases', verb: 'deletecollection' }],
    ['GET', '/api/v1/watch/namespaces/ns/pods', {}, { resource: 'pods', namespace: 'ns', verb: 'watch' }],
    ['GET', '/healthz', {}, { kind: 'nonResource', path: '/healthz' }],
    ['OPTIONS', '/api/v1/pods', {}, { kind: 'badMethod' }],
    ['GET', '/api/v1/nodes/n1/proxy/stats/summary', {}, { resource: 'nodes', name: 'n1', subresource: 'proxy', proxyPath: '/stats/summary', verb: 'get' }],
    ['GET', '/api/v1/nodes/n1/proxy', {}, { resource: 'nodes', name: 'n1', subresource: 'proxy', proxyPath: '/' }],
    ['GET', '/api/v1/namespaces/ns/pods/web/status/extra', {}, { kind: 'unknown' }],
  ])('%s %s', (method, path, query, want) => {
    expect(parseRequestInfo(method, path, q(new URLSearchParams(query as Record<string, string>).toString()))).toMatchObject(want);
  });
});

describe('negotiation', () => {
  it('picks Tables, discovery v2, JSON, YAML, or nothing', () => {
    const kubectlList = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';
    expect(negotiate(kubectlList, { transforms: true })).toEqual({ kind: 'table' });
    expect(negotiate(kubectlList, {})).toEqual({ kind: 'json' });
    const disco = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json';
    expect(negotiate(disco, { discovery: true })).toEqual({ kind: 'discovery' });
    expect(negotiate(undefined)).toEqual({ kind: 'json' });
    expect(negotiate('application/yaml')).toEqual({ kind: 'yaml' });
    expect(negotiate('application/vnd.kubernetes.protobuf')).toBeUndefined();
  });
});

describe('Go JSON syntax errors', () => {
  it.each([
    ['{bad', "invalid character 'b' looking for beginning of object key string"],
    ['{"a" 1}', "invalid character '1' after object key"],
    ['{"a":1 "b"}', `invalid character '"' after object key:value pair`],
    ['[1 2]', "invalid character '2' after array element"],
    ['{"a":tru}', "invalid character '}' in literal true (expecting 'e')"],
    ['{"a":1}x', "invalid character 'x' after top-level value"],
    ['{"a":', 'unexpected end of JSON input'],
    ['{"a":01}', "invalid character '1' after object key:value pair"],
    ['{"a":"\\q"}', "invalid character 'q' in string escape code"],
  ])('%s', (text, message) => {
    expect(goJsonSyntaxError(Buffer.from(text))).toBe(message);
  });
});

describe('body decoding', () => {
  it('reports bad JSON with upstream wording', () => {
    expect(() => parseObjectText(Buffer.from('{bad'), 'json', 'Pod')).toThrow(
      "the object provided is unrecognized (must be of type Pod): couldn't get version/kind; json parse error: invalid character 'b' looking for beginning of object key string ({bad)",
    );
    expect(() => parseObjectText(Buffer.from('[]'), 'json', 'Pod')).toThrow(/json: cannot unmarshal array into Go value of type struct \{ APIVersion string/);
  });

  it('checks kinds, types and unknown fields', () => {
    const body = (): Record<string, unknown> => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', labels: null }, spec: { containers: [{ name: 'a', image: 'b', foo: 1 }], bar: true } });
    expect(() => checkObject(body(), pods, 'Strict')).toThrow('Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "spec.containers[0].foo", unknown field "spec.bar"');
    const warned = checkObject(body(), pods, 'Warn');
    expect(warned.warnings).toEqual(['unknown field "spec.containers[0].foo"', 'unknown field "spec.bar"']);
    expect(warned.obj).toEqual({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'a', image: 'b' }] } });
    expect(() => checkObject({ kind: 'Pod', spec: { containers: 'x' } }, pods, 'Strict')).toThrow(
      'Pod in version "v1" cannot be handled as a Pod: json: cannot unmarshal string into Go struct field PodSpec.spec.containers of type []v1.Container',
    );
    expect(() => checkObject({ kind: 'Pod', spec: { containers: [{ ports: [{ containerPort: 1.5 }] }] } }, pods, 'Strict')).toThrow(
      'json: cannot unmarshal number 1.5 into Go struct field ContainerPort.spec.containers.ports.containerPort of type int32',
    );
    expect(() => checkObject({ kind: 'Namespace' }, pods, 'Strict')).toThrow('Namespace in version "v1" cannot be handled as a Pod: converting (v1.Namespace) to (core.Pod): unknown conversion');
    expect(() => checkObject({ apiVersion: 'apps/v1', kind: 'ConfigMap' }, configmaps, 'Strict')).toThrow(/no kind "ConfigMap" is registered for version "apps\/v1"/);
    const q1 = checkObject({ kind: 'Pod', spec: { containers: [{ resources: { limits: { cpu: 0.5, memory: '1Gi' } } }] } }, pods, 'Strict');
    expect((q1.obj.spec as { containers: { resources: unknown }[] }).containers[0]?.resources).toEqual({ limits: { cpu: '500m', memory: '1Gi' } });
  });
});

describe('requestUrl', () => {
  it('reads targets as new URL(target, "http://localhost") does, plain or not', () => {
    const targets = [
      '/api/v1/namespaces/ns/pods/web',
      '/api/v1/pods?watch=true&resourceVersion=5&labelSelector=app%3Dweb%2Ctier+in+(a,b)',
      '/apis/apps/v1/',
      '/',
      '//host/x',
      '/api/../x',
      '/api/./v1?x',
      '/a//b',
      '/a%2e%2e/b',
      '/a\\b?c d',
      '/x??y',
      "/x?a='b'&c",
      '/x?#frag',
      '*',
      'http://other/z?q=1',
    ];
    for (const t of targets) {
      const want = new URL(t, 'http://localhost');
      const got = requestUrl(t);
      expect({ t, pathname: got.pathname, query: [...got.searchParams] }).toEqual({ t, pathname: want.pathname, query: [...want.searchParams] });
    }
  });
});
