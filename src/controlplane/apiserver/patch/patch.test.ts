import { describe, expect, it } from 'vitest';
import { applyJsonPatch, decodeJsonPatch, JsonPatchApplyError } from './json-patch.js';
import { applyMergePatch } from './merge.js';
import { applyStrategicPatch } from './strategic.js';

describe('JSON merge patch', () => {
  it('merges objects, deletes with null and replaces lists', () => {
    const doc = { a: { b: 1, c: 2 }, l: [1, 2], keep: true };
    expect(applyMergePatch(doc, { a: { b: null, d: 3 }, l: [3] })).toEqual({ a: { c: 2, d: 3 }, l: [3], keep: true });
    expect(doc).toEqual({ a: { b: 1, c: 2 }, l: [1, 2], keep: true });
  });
});

describe('JSON patch', () => {
  const doc = { metadata: { labels: { a: '1' } }, list: ['x', 'y'] };

  it('applies add, remove, replace, move, copy and test', () => {
    const ops = decodeJsonPatch(
      JSON.stringify([
        { op: 'add', path: '/metadata/labels/b', value: '2' },
        { op: 'add', path: '/list/-', value: 'z' },
        { op: 'remove', path: '/list/0' },
        { op: 'replace', path: '/metadata/labels/a', value: 'one' },
        { op: 'copy', from: '/metadata/labels/a', path: '/metadata/labels/c' },
        { op: 'move', from: '/metadata/labels/c', path: '/moved' },
        { op: 'test', path: '/moved', value: 'one' },
        { op: 'add', path: '/metadata/labels/x~1y', value: 'slash' },
      ]),
    );
    expect(applyJsonPatch(doc, ops)).toEqual({ metadata: { labels: { a: 'one', b: '2', 'x/y': 'slash' } }, list: ['y', 'z'], moved: 'one' });
  });

  it('fails on a failed test or a missing path, and decodes with Go wording', () => {
    expect(() => applyJsonPatch(doc, decodeJsonPatch('[{"op":"test","path":"/list/0","value":"q"}]'))).toThrow(JsonPatchApplyError);
    expect(() => applyJsonPatch(doc, decodeJsonPatch('[{"op":"remove","path":"/nope/x"}]'))).toThrow(JsonPatchApplyError);
    expect(() => decodeJsonPatch('{"op":"add"}')).toThrow('json: cannot unmarshal object into Go value of type jsonpatch.Patch');
  });
});

describe('strategic merge patch', () => {
  const pod = {
    metadata: { name: 'p', labels: { a: '1' }, finalizers: ['x'] },
    spec: {
      containers: [
        { name: 'a', image: 'a:1', ports: [{ containerPort: 80, protocol: 'TCP' }], env: [{ name: 'E', value: '1' }] },
        { name: 'b', image: 'b:1' },
      ],
      volumes: [{ name: 'v', emptyDir: {} }],
      tolerations: [{ key: 'k' }],
    },
  };

  it('merges containers by name, ports by containerPort and deletes with null', () => {
    const patch = { spec: { containers: [{ name: 'a', image: 'a:2', ports: [{ containerPort: 8080 }] }, { name: 'c', image: 'c:1' }] }, metadata: { labels: { a: null, b: '2' } } };
    const out = applyStrategicPatch(pod, patch, 'core.v1.Pod') as typeof pod;
    expect(out.metadata.labels).toEqual({ b: '2' });
    expect(out.spec.containers.map((c) => [c.name, c.image])).toEqual([
      ['a', 'a:2'],
      ['b', 'b:1'],
      ['c', 'c:1'],
    ]);
    expect(out.spec.containers[0]?.ports).toEqual([{ containerPort: 80, protocol: 'TCP' }, { containerPort: 8080 }]);
    expect(out.spec.containers[0]?.env).toEqual([{ name: 'E', value: '1' }]);
  });

  it('honours $setElementOrder, $patch: delete and replace, atomic lists and primitive unions', () => {
    const patch = {
      metadata: { finalizers: ['y'] },
      spec: {
        $setElementOrder: undefined,
        '$setElementOrder/containers': [{ name: 'b' }, { name: 'a' }],
        containers: [{ name: 'a', ports: null }],
        volumes: [{ name: 'v', $patch: 'delete' }],
        tolerations: [{ key: 'other' }],
      },
    };
    const out = applyStrategicPatch(pod, patch, 'core.v1.Pod') as typeof pod;
    expect(out.spec.containers.map((c) => c.name)).toEqual(['b', 'a']);
    expect(out.spec.containers[1]?.ports).toBeUndefined();
    expect(out.spec.volumes).toEqual([]);
    expect(out.spec.tolerations).toEqual([{ key: 'other' }]);
    expect(out.metadata.finalizers).toEqual(['x', 'y']);
    const replaced = applyStrategicPatch(pod, { spec: { containers: [{ $patch: 'replace' }, { name: 'z', image: 'z' }] } }, 'core.v1.Pod') as typeof pod;
    expect(replaced.spec.containers).toEqual([{ name: 'z', image: 'z' }]);
    const retained = applyStrategicPatch(pod, { spec: { volumes: [{ name: 'v', configMap: { name: 'c' }, $retainKeys: ['name', 'configMap'] }] } }, 'core.v1.Pod') as typeof pod;
    expect(retained.spec.volumes).toEqual([{ name: 'v', configMap: { name: 'c' } }]);
  });
});
