import { mkdir, mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Pod } from '../../api/index.js';
import { CONFIG_SEEN_ANNOTATION, createStaticPodSource, formatRFC3339Nano, type ManifestError, type StaticPodSourceOptions } from './index.js';

const manifest = (name: string, image = 'busybox:1.36'): string =>
  `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${name}\nspec:\n  containers:\n  - name: app\n    image: ${image}\n`;

interface Harness {
  updates: Pod[][];
  invalid: { file: string; errors: ManifestError[] }[];
  stop(): Promise<void>;
  /** Resolves with the latest update once `pred` holds for it. */
  until(pred: (pods: Pod[]) => boolean, timeoutMs?: number): Promise<Pod[]>;
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tskube-static-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function start(opts: Partial<StaticPodSourceOptions> = {}): Harness {
  const updates: Pod[][] = [];
  const invalid: Harness['invalid'] = [];
  const ac = new AbortController();
  const source = createStaticPodSource({
    manifestDir: dir,
    nodeName: 'node1',
    pollIntervalMs: 1000,
    onInvalid: (file, errors) => invalid.push({ file, errors }),
    ...opts,
  });
  const running = source.run(ac.signal, (pods) => updates.push(pods));
  const until = async (pred: (pods: Pod[]) => boolean, timeoutMs = 3000): Promise<Pod[]> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const last = updates.at(-1);
      if (last && pred(last)) return last;
      if (Date.now() > deadline) throw new Error(`timed out; last update: ${JSON.stringify(last?.map((p) => p.metadata.name))}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  return {
    updates,
    invalid,
    until,
    async stop() {
      ac.abort();
      await running;
    },
  };
}

const names = (pods: Pod[]): string[] => pods.map((p) => p.metadata.name ?? '');
const uidOf = (pods: Pod[], name: string): string | undefined => pods.find((p) => p.metadata.name === name)?.metadata.uid;

describe('createStaticPodSource', () => {
  it('validates its options', () => {
    expect(() => createStaticPodSource({ manifestDir: dir, nodeName: 'n', pollIntervalMs: 0 })).toThrow(RangeError);
    expect(() => createStaticPodSource({ manifestDir: '', nodeName: 'n' })).toThrow(RangeError);
  });

  it('emits every valid pod of the directory on start, ignoring dotfiles, other files and subdirectories', async () => {
    await writeFile(join(dir, 'b.yaml'), manifest('b'));
    await writeFile(join(dir, 'a.yml'), `${manifest('a1')}---\n${manifest('a2')}`);
    await writeFile(join(dir, 'c.json'), JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'c' }, spec: { containers: [{ name: 'x', image: 'y' }] } }));
    await writeFile(join(dir, '.hidden.yaml'), manifest('hidden'));
    await writeFile(join(dir, 'README.md'), 'not a manifest');
    await writeFile(join(dir, 'd.yaml.bak'), manifest('bak'));
    await mkdir(join(dir, 'sub.yaml'));
    const h = start();
    const pods = await h.until((p) => p.length > 0);
    expect(names(pods)).toEqual(['a1-node1', 'a2-node1', 'b-node1', 'c-node1']);
    expect(pods[0]?.metadata.annotations?.[CONFIG_SEEN_ANNOTATION]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    expect(h.invalid).toEqual([]);
    await h.stop();
  });

  it('emits an empty set at once when there is nothing, even without the directory', async () => {
    const missing = join(dir, 'missing');
    const h = start({ manifestDir: missing, pollIntervalMs: 50 });
    await h.until((p) => p.length === 0);
    await mkdir(missing);
    await writeFile(join(missing, 'web.yaml'), manifest('web'));
    expect(names(await h.until((p) => p.length === 1))).toEqual(['web-node1']);
    await h.stop();
  });

  it('follows added, changed and removed files; a content change gives a new UID', async () => {
    await writeFile(join(dir, 'web.yaml'), manifest('web'));
    const h = start({ pollIntervalMs: 60_000 });
    const first = await h.until((p) => p.length === 1);
    await writeFile(join(dir, 'db.yaml'), manifest('db'));
    const added = await h.until((p) => p.length === 2);
    expect(uidOf(added, 'web-node1')).toBe(uidOf(first, 'web-node1'));
    await writeFile(join(dir, 'web.yaml'), manifest('web', 'busybox:1.37'));
    const changed = await h.until((p) => uidOf(p, 'web-node1') !== uidOf(first, 'web-node1'));
    expect(changed.find((p) => p.metadata.name === 'web-node1')?.spec.containers[0]?.image).toBe('busybox:1.37');
    await unlink(join(dir, 'db.yaml'));
    expect(names(await h.until((p) => p.length === 1))).toEqual(['web-node1']);
    await h.stop();
  });

  it('picks up changes by polling alone when watching is off', async () => {
    const h = start({ watch: false, pollIntervalMs: 50 });
    await h.until((p) => p.length === 0);
    await writeFile(join(dir, 'web.yaml'), manifest('web'));
    await h.until((p) => p.length === 1);
    await unlink(join(dir, 'web.yaml'));
    await h.until((p) => p.length === 0);
    await h.stop();
  });

  it('emits nothing when a file is rewritten with the same content', async () => {
    await writeFile(join(dir, 'web.yaml'), manifest('web'));
    const h = start({ pollIntervalMs: 30 });
    await h.until((p) => p.length === 1);
    await writeFile(join(dir, 'web.yaml'), manifest('web'));
    await new Promise((r) => setTimeout(r, 300));
    expect(h.updates).toHaveLength(1);
    await h.stop();
  });

  it('reports invalid manifests by file and field, keeps the others, and drops a pod whose manifest turns invalid', async () => {
    await writeFile(join(dir, 'good.yaml'), manifest('good'));
    await writeFile(join(dir, 'broken.yaml'), 'apiVersion: v1\nkind: Pod\nmetadata: {name: x\n');
    await writeFile(join(dir, 'noimage.yaml'), manifest('noimage').replace('    image: busybox:1.36\n', ''));
    const h = start({ pollIntervalMs: 60_000 });
    expect(names(await h.until((p) => p.length === 1))).toEqual(['good-node1']);
    const byFile = new Map(h.invalid.map((i) => [i.file, i.errors]));
    expect(byFile.get(join(dir, 'broken.yaml'))?.[0]).toMatchObject({ document: 0, line: expect.any(Number), column: expect.any(Number) });
    expect(byFile.get(join(dir, 'noimage.yaml'))).toEqual([{ document: 0, message: 'spec.containers[0].image: Required value', field: 'spec.containers[0].image' }]);

    await writeFile(join(dir, 'broken.yaml'), manifest('fixed'));
    await h.until((p) => p.length === 2);
    await writeFile(join(dir, 'good.yaml'), manifest('Good_Name'));
    expect(names(await h.until((p) => p.length === 1))).toEqual(['fixed-node1']);
    expect(h.invalid.at(-1)?.file).toBe(join(dir, 'good.yaml'));
    expect(h.invalid.at(-1)?.errors[0]?.field).toBe('metadata.name');
    await h.stop();
  });

  it('keeps the first of two pods with the same name and reports the second', async () => {
    await writeFile(join(dir, 'a.yaml'), manifest('web'));
    await writeFile(join(dir, 'b.yaml'), manifest('web', 'other:1'));
    const h = start();
    const pods = await h.until((p) => p.length === 1);
    expect(pods[0]?.spec.containers[0]?.image).toBe('busybox:1.36');
    expect(h.invalid).toEqual([
      { file: join(dir, 'b.yaml'), errors: [{ document: 0, message: 'metadata.name: Duplicate value: "web-node1"', field: 'metadata.name' }] },
    ]);
    await h.stop();
  });

  it('gives the same UIDs after a restart; config.seen stays while the UID does and never feeds it', async () => {
    await writeFile(join(dir, 'web.yaml'), manifest('web'));
    await writeFile(join(dir, 'db.yaml'), manifest('db'));
    let now = Date.parse('2024-05-01T12:00:00.120Z');
    const h1 = start({ clock: { now: () => now } });
    const before = await h1.until((p) => p.length === 2);
    expect(before[0]?.metadata.annotations?.[CONFIG_SEEN_ANNOTATION]).toBe('2024-05-01T12:00:00.12Z');
    now += 60_000;
    await writeFile(join(dir, 'db.yaml'), manifest('db', 'busybox:1.37'));
    const after = await h1.until((p) => uidOf(p, 'db-node1') !== uidOf(before, 'db-node1'));
    const seen = (pods: Pod[], name: string): string | undefined => pods.find((p) => p.metadata.name === name)?.metadata.annotations?.[CONFIG_SEEN_ANNOTATION];
    expect(seen(after, 'web-node1')).toBe('2024-05-01T12:00:00.12Z');
    expect(seen(after, 'db-node1')).toBe('2024-05-01T12:01:00.12Z');
    await h1.stop();

    now += 60_000;
    const h2 = start({ clock: { now: () => now } });
    const restarted = await h2.until((p) => p.length === 2);
    expect(restarted.map((p) => p.metadata.uid)).toEqual(after.map((p) => p.metadata.uid));
    await h2.stop();
  });

  it('coalesces a burst of writes', async () => {
    const h = start({ pollIntervalMs: 60_000, debounceMs: 100 });
    await h.until((p) => p.length === 0);
    for (let i = 0; i < 10; i++) await writeFile(join(dir, `p${i}.yaml`), manifest(`p${i}`));
    await h.until((p) => p.length === 10);
    expect(h.updates.length).toBeLessThanOrEqual(3);
    await h.stop();
  });

  it('stops when the signal aborts, and emits nothing afterwards', async () => {
    const h = start({ pollIntervalMs: 20 });
    await h.until((p) => p.length === 0);
    await h.stop();
    const count = h.updates.length;
    await writeFile(join(dir, 'late.yaml'), manifest('late'));
    await new Promise((r) => setTimeout(r, 100));
    expect(h.updates).toHaveLength(count);
  });
});

describe('formatRFC3339Nano', () => {
  it('drops trailing zeros of the fraction as Go does', () => {
    expect(formatRFC3339Nano(Date.parse('2024-05-01T12:00:00.000Z'))).toBe('2024-05-01T12:00:00Z');
    expect(formatRFC3339Nano(Date.parse('2024-05-01T12:00:00.500Z'))).toBe('2024-05-01T12:00:00.5Z');
    expect(formatRFC3339Nano(Date.parse('2024-05-01T12:00:00.123Z'))).toBe('2024-05-01T12:00:00.123Z');
  });
});
