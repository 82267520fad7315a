#!/usr/bin/env node
import { createLogger } from '../lib/logger.js';
import { formatHelp, parseFlags, UsageError } from './flags.js';
import { kubeletFlags, runKubelet } from './kubelet.js';
import { runServer, serverFlags } from './server.js';
import { up, upFlags } from './up.js';

const VERSION = '0.1.0';

const USAGE = `Usage: tskube COMMAND [flags]

Commands:
  up        run a single-node cluster on this machine: containerd, control plane and kubelet
  server    run the control plane (API server on SQLite or etcd)
  kubelet   run the node agent; with --pod-manifest-path alone, standalone static pods
  version   print the version

Run 'tskube COMMAND --help' for a command's flags.
`;

/** Resolves on the first SIGINT/SIGTERM; a second one exits at once. */
function shutdownSignal(): AbortSignal {
  const ac = new AbortController();
  const onSignal = (sig: NodeJS.Signals): void => {
    if (ac.signal.aborted) process.exit(130);
    ac.abort(new Error(`received ${sig}`));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return ac.signal;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'up': {
      const flags = parseFlags(rest, upFlags);
      if (flags.help) {
        process.stdout.write(formatHelp('tskube up [flags]', 'Runs a single-node cluster on this machine until Ctrl-C.', upFlags));
        return 0;
      }
      if (process.getuid?.() !== 0) throw new UsageError('tskube up must run as root (it runs containerd and pods)');
      await up({ flags, logger: createLogger('tskube'), onReady: (line) => process.stdout.write(`${line}\n`) }, shutdownSignal());
      return 0;
    }
    case 'kubelet': {
      const flags = parseFlags(rest, kubeletFlags);
      if (flags.help) {
        process.stdout.write(formatHelp('tskube kubelet [flags]', 'Runs the kubelet until Ctrl-C or SIGTERM; running pods are left alone.', kubeletFlags));
        return 0;
      }
      if (process.getuid?.() !== 0) throw new UsageError('tskube kubelet must run as root (it manages cgroups and containers)');
      await runKubelet(flags, createLogger('kubelet'), shutdownSignal(), (line) => process.stdout.write(`${line}\n`));
      return 0;
    }
    case 'server': {
      const flags = parseFlags(rest, serverFlags);
      if (flags.help) {
        process.stdout.write(formatHelp('tskube server [flags]', 'Runs the control plane until Ctrl-C or SIGTERM.', serverFlags));
        return 0;
      }
      await runServer(flags, createLogger('server'), shutdownSignal(), (line) => process.stdout.write(`${line}\n`));
      return 0;
    }
    case 'version':
    case '--version':
      process.stdout.write(`tskube v${VERSION}\n`);
      return 0;
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return command === undefined ? 2 : 0;
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof UsageError) {
      process.stderr.write(`tskube: ${err.message}\n${USAGE}`);
      process.exitCode = 2;
    } else {
      process.stderr.write(`tskube: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    }
  },
);
