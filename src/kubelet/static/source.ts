/**
 * The static pod source: a directory of manifests as upstream `pkg/kubelet/config/file.go`.
 *
 * Contract:
 * - Every `*.yaml`, `*.yml` and `*.json` file directly in the directory is read (dotfiles, other
 *   names and subdirectories are ignored; symlinks are followed). Files are taken in name order,
 *   documents in file order.
 * - `onUpdate` receives the FULL set of valid pods on start (even when empty or the directory is
 *   missing) and again whenever that set changes. Files are compared by content, so touching a file
 *   or rewriting it unchanged emits nothing.
 * - Polling every `pollIntervalMs` is the source of truth; `fs.watch` is only a fast path whose
 *   events are coalesced (`debounceMs` after the last event, at most 10 debounce periods late).
 * - A manifest that is invalid (bad YAML, not a v1 Pod, failing validation) is skipped, as upstream:
 *   a pod whose manifest becomes invalid disappears (the kubelet then stops it); it is logged and
 *   reported once per content through `onInvalid`. The other manifests are unaffected.
 * - A pod whose namespace/name (after the `-<node>` suffix) repeats one from an earlier file or
 *   document is dropped and reported as `metadata.name: Duplicate value`; the first one is kept.
 * - `kubernetes.io/config.seen` is the time a UID was first seen by this source; it is kept while
 *   the UID stays and never affects the UID.
 * - `run` resolves after `signal` aborts and everything is closed; it never rejects for I/O errors.
 */
import { watch as fsWatch, type FSWatcher } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Pod } from '../../api/index.js';
import { duplicate, fieldPath } from '../../api/validation/index.js';
import type { Clock } from '../../lib/clock.js';
import { silentLogger, type Logger } from '../../lib/logger.js';
import type { PodSource } from '../kubelet.js';
import { parseManifest, type ManifestError, type ManifestResult } from './manifest.js';

/** Upstream `kubetypes.ConfigFirstSeenAnnotationKey`. */
export const CONFIG_SEEN_ANNOTATION = 'kubernetes.io/config.seen';

const MANIFEST_NAME = /^[^.].*\.(ya?ml|json)$/i;
/** Larger files are refused, as upstream's 10 MB limit on pod configs. */
const MAX_MANIFEST_BYTES = 10 * 1024 * 1024;

export interface StaticPodSourceOptions {
  manifestDir: string;
  nodeName: string;
  /** Full rescan period, the source of truth. Default 1000 ms. */
  pollIntervalMs?: number;
  /** Quiet time after a watch event before rescanning. Default 100 ms. */
  debounceMs?: number;
  /** Use `fs.watch` as a fast path. Default true; false leaves polling alone (tests). */
  watch?: boolean;
  logger?: Logger;
  /** Called once per file content with the problems that made documents of it be skipped. */
  onInvalid?: (file: string, errors: ManifestError[]) => void;
  /** For `config.seen`. Default the real clock. */
  clock?: Pick<Clock, 'now'>;
}

export interface StaticPodSource extends PodSource {
  readonly name: 'file';
}

interface FileState {
  /** `=` and the content last parsed, or `!` and why the file could not be read. */
  key: string;
  result: ManifestResult;
}

/** Go's `time.RFC3339Nano` in UTC: trailing zeros of the fraction dropped. */
export function formatRFC3339Nano(epochMs: number): string {
  return new Date(epochMs).toISOString().replace(/\.?0+Z$/, 'Z');
}

export function createStaticPodSource(opts: StaticPodSourceOptions): StaticPodSource {
  const pollIntervalMs = opts.pollIntervalMs ?? 1000;
  const debounceMs = opts.debounceMs ?? 100;
  if (!opts.manifestDir) throw new RangeError('manifestDir is required');
  if (!opts.nodeName) throw new RangeError('nodeName is required');
  if (!(pollIntervalMs > 0)) throw new RangeError(`pollIntervalMs must be > 0, got ${pollIntervalMs}`);
  if (!(debounceMs >= 0)) throw new RangeError(`debounceMs must be >= 0, got ${debounceMs}`);
  const dir = resolve(opts.manifestDir);
  const log = (opts.logger ?? silentLogger()).child({ source: 'file', manifestDir: dir });
  const clock = opts.clock ?? { now: () => Date.now() };

  return {
    name: 'file',
    async run(signal, onUpdate) {
      if (signal.aborted) return;
      const files = new Map<string, FileState>();
      const seen = new Map<string, string>();
      const reportedDuplicates = new Set<string>();
      let lastEmitted: string | undefined;
      let dirProblem = '';

      const report = (file: string, errors: ManifestError[]): void => {
        log.warn({ file, errors }, `skipping invalid static pod manifest ${file}`);
        try {
          opts.onInvalid?.(file, errors);
        } catch (err) {
          log.error({ err }, 'onInvalid callback failed');
        }
      };

      /** Reads the file if its content changed; returns whether the state changed. */
      const refresh = async (file: string): Promise<boolean> => {
        let key: string;
        let content = '';
        try {
          const st = await stat(file);
          if (!st.isFile()) return files.delete(file);
          if (st.size > MAX_MANIFEST_BYTES) key = `!too-large:${st.size}`;
          else {
            content = await readFile(file, 'utf8');
            key = `=${content}`;
          }
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code ?? 'EIO';
          if (code === 'ENOENT') return files.delete(file);
          key = `!${code}`;
        }
        if (files.get(file)?.key === key) return false;
        let result: ManifestResult;
        if (key.startsWith('!')) {
          const message = key.startsWith('!too-large') ? `file is larger than ${MAX_MANIFEST_BYTES} bytes` : `cannot read file: ${key.slice(1)}`;
          result = { pods: [], errors: [{ document: 0, message }] };
        } else {
          result = parseManifest(content, { file, nodeName: opts.nodeName });
        }
        files.set(file, { key, result });
        if (result.errors.length > 0) report(file, result.errors);
        return true;
      };

      /** The full pod set, first of each namespace/name kept, `config.seen` attached. */
      const collect = (): Pod[] => {
        const pods: Pod[] = [];
        const names = new Set<string>();
        const duplicatesNow = new Set<string>();
        for (const file of [...files.keys()].sort()) {
          for (const { document, pod } of files.get(file)?.result.pods ?? []) {
            const fullName = `${pod.metadata.name ?? ''}_${pod.metadata.namespace ?? ''}`;
            if (names.has(fullName)) {
              const dupKey = `${file}\u0000${document}\u0000${pod.metadata.uid ?? ''}`;
              duplicatesNow.add(dupKey);
              if (!reportedDuplicates.has(dupKey)) {
                const e = duplicate(fieldPath('metadata', 'name'), pod.metadata.name ?? '');
                report(file, [{ document, message: e.message, field: e.field }]);
              }
              continue;
            }
            names.add(fullName);
            pods.push(pod);
          }
        }
        reportedDuplicates.clear();
        for (const k of duplicatesNow) reportedDuplicates.add(k);
        const uids = new Set(pods.map((p) => p.metadata.uid ?? ''));
        for (const uid of seen.keys()) if (!uids.has(uid)) seen.delete(uid);
        return pods.map((p) => {
          const uid = p.metadata.uid ?? '';
          const at = seen.get(uid) ?? formatRFC3339Nano(clock.now());
          seen.set(uid, at);
          return { ...p, metadata: { ...p.metadata, annotations: { ...p.metadata.annotations, [CONFIG_SEEN_ANNOTATION]: at } } };
        });
      };

      const scan = async (): Promise<void> => {
        let changed = lastEmitted === undefined;
        let names: string[] = [];
        try {
          names = (await readdir(dir)).filter((n) => MANIFEST_NAME.test(n)).sort();
          if (dirProblem) log.info('manifest directory is readable again');
          dirProblem = '';
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code ?? 'EIO';
          if (code !== dirProblem) log.warn({ err }, code === 'ENOENT' ? 'manifest directory does not exist, no static pods' : 'cannot read manifest directory');
          dirProblem = code;
        }
        const wanted = new Set(names.map((n) => join(dir, n)));
        for (const file of [...files.keys()]) if (!wanted.has(file) && files.delete(file)) changed = true;
        for (const file of wanted) if (await refresh(file)) changed = true;
        if (!changed || signal.aborted) return;
        const pods = collect();
        const snapshot = JSON.stringify(pods);
        if (snapshot === lastEmitted) return;
        lastEmitted = snapshot;
        log.info({ pods: pods.map((p) => `${p.metadata.namespace}/${p.metadata.name}`) }, 'static pods changed');
        try {
          onUpdate(structuredClone(pods));
        } catch (err) {
          log.error({ err }, 'onUpdate callback failed');
        }
      };

      // Scans never overlap; a request during a scan runs one more scan after it.
      let running: Promise<void> | undefined;
      let again = false;
      const requestScan = (): void => {
        if (signal.aborted) return;
        if (running) {
          again = true;
          return;
        }
        running = (async () => {
          do {
            again = false;
            await scan().catch((err: unknown) => log.error({ err }, 'static pod scan failed'));
          } while (again && !signal.aborted);
        })().finally(() => {
          running = undefined;
        });
      };

      let debounce: NodeJS.Timeout | undefined;
      let firstEventAt = 0;
      const onEvent = (): void => {
        const now = Date.now();
        if (debounce === undefined) firstEventAt = now;
        else clearTimeout(debounce);
        const delay = Math.max(0, Math.min(debounceMs, firstEventAt + 10 * debounceMs - now));
        debounce = setTimeout(() => {
          debounce = undefined;
          requestScan();
        }, delay);
      };

      let watcher: FSWatcher | undefined;
      const ensureWatch = (): void => {
        if (opts.watch === false || watcher || signal.aborted) return;
        try {
          watcher = fsWatch(dir, { persistent: false }, onEvent);
          watcher.on('error', () => {
            watcher?.close();
            watcher = undefined;
          });
        } catch (err) {
          // The directory is missing or unwatchable: polling covers it, and retries the watch.
          log.debug({ err }, 'cannot watch the manifest directory; polling only');
          watcher = undefined;
        }
      };

      ensureWatch();
      requestScan();
      const poll = setInterval(() => {
        ensureWatch();
        requestScan();
      }, pollIntervalMs);
      try {
        await new Promise<void>((done) => signal.addEventListener('abort', () => done(), { once: true }));
      } finally {
        clearInterval(poll);
        if (debounce !== undefined) clearTimeout(debounce);
        watcher?.close();
        await running;
      }
    },
  };
}
