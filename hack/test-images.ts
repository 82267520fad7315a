// Builds the test images (busybox, pause) from this machine's packages and optionally ships them.
//
//   npx tsx hack/test-images.ts                       build (cached) and print what was built
//   npx tsx hack/test-images.ts --push 10.0.0.1:5000  push every tag as ADDR/tskube/NAME:TAG (plain HTTP)
//   npx tsx hack/test-images.ts --export DIR          write DIR/{busybox,pause}.tar for `ctr -n k8s.io images import`
//   npx tsx hack/test-images.ts --serve DIR [--host H] [--port N]
//                                                     run a registry in DIR with both images until Ctrl-C
//
// The cache is TSKUBE_IMAGE_CACHE or /var/cache/tskube/images (or --cache-dir).
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { buildTestImages, exportDockerArchive, imageRef, pushImage, startRegistry } from '../src/images/index.js';
import { createLogger } from '../src/lib/logger.js';

const { values } = parseArgs({
  options: {
    'cache-dir': { type: 'string' },
    push: { type: 'string' },
    export: { type: 'string' },
    serve: { type: 'string' },
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '0' },
    help: { type: 'boolean', short: 'h' },
  },
});

async function main(): Promise<void> {
  if (values.help) {
    console.log('usage: hack/test-images.ts [--cache-dir DIR] [--push ADDR] [--export DIR] [--serve DIR [--host H] [--port N]]');
    return;
  }
  const logger = createLogger('test-images');
  const images = await buildTestImages({ logger, ...(values['cache-dir'] ? { cacheDir: resolve(values['cache-dir']) } : {}) });
  for (const img of [images.busybox, images.pause]) console.log(`${img.name}\t${img.tags.join(',')}\t${img.digest}\t${img.ociDir}`);

  if (values.push) {
    for (const img of [images.busybox, images.pause]) for (const ref of await pushImage(img, values.push)) console.log(`pushed ${ref}`);
  }
  if (values.export) {
    const dir = resolve(values.export);
    await mkdir(dir, { recursive: true });
    for (const img of [images.busybox, images.pause]) {
      const tag = img.tags[0] ?? 'latest';
      const file = join(dir, `${img.name}.tar`);
      await exportDockerArchive(img, tag, `tskube/${img.name}:${tag}`, file);
      console.log(`wrote ${file} (tskube/${img.name}:${tag})`);
    }
  }
  if (values.serve) {
    const port = Number(values.port);
    const registry = await startRegistry({ dataDir: resolve(values.serve), host: values.host, port, logger });
    for (const img of [images.busybox, images.pause]) await pushImage(img, registry.address);
    console.log(`registry on ${registry.address}: ${imageRef(registry.address, 'busybox', 'latest')}, ${imageRef(registry.address, 'pause', '3.10')}`);
    console.log('Ctrl-C stops it');
    await new Promise<void>((done) => {
      const stop = (): void => void registry.stop().then(done);
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
