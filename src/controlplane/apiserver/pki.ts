/**
 * The cluster's certificates, generated with openssl into `<dataDir>/pki` on first start and kept
 * across restarts: a CA, the API server's serving certificate (SANs: the `kubernetes` service
 * names, localhost, 127.0.0.1 and the hosts given; re-issued when the hosts change), and an admin
 * client certificate (`O=system:masters`), the API server's client certificate towards kubelets, plus `<dataDir>/admin.kubeconfig` with everything
 * embedded. Keys are written 0600. Reentrant: a second call with the same hosts changes nothing.
 */
import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { runCommand } from '../../lib/command.js';
import type { TlsMaterial } from './apiserver.js';

const OPENSSL = '/usr/bin/openssl';
const DAYS_CA = '3650';
const DAYS_LEAF = '365';
const SERVICE_NAMES = ['kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local', 'localhost'];

export interface PkiOptions {
  /** Names and addresses clients use to reach the API server (SANs of the serving certificate). */
  hosts?: string[];
  /** The `server:` of admin.kubeconfig; default `https://<first host or 127.0.0.1>:6443`. */
  serverUrl?: string;
  signal?: AbortSignal;
}

export interface Pki {
  dir: string;
  tls: TlsMaterial;
  /** The admin client certificate and key (PEM). */
  admin: { certPem: string; keyPem: string };
  /** The API server's client certificate towards kubelets (logs, exec, port-forward). */
  kubeletClient: { certPem: string; keyPem: string };
  adminKubeconfigPath: string;
}

async function exists(path: string): Promise<boolean> {
  return readFile(path).then(
    () => true,
    () => false,
  );
}

async function openssl(args: string[], signal?: AbortSignal): Promise<void> {
  await runCommand(OPENSSL, args, { signal, timeoutMs: 60_000 });
}

async function newKey(path: string, signal?: AbortSignal): Promise<void> {
  await openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', path], signal);
  await chmod(path, 0o600);
}

/** A leaf certificate signed by the CA, with the given subject and extensions. */
async function issue(dir: string, name: string, subject: string, ext: string, signal?: AbortSignal): Promise<void> {
  const key = join(dir, `${name}.key`);
  const csr = join(dir, `${name}.csr`);
  const extFile = join(dir, `${name}.ext`);
  await newKey(key, signal);
  await openssl(['req', '-new', '-key', key, '-subj', subject, '-out', csr], signal);
  await writeFile(extFile, ext);
  await openssl(['x509', '-req', '-in', csr, '-CA', join(dir, 'ca.crt'), '-CAkey', join(dir, 'ca.key'), '-CAcreateserial', '-days', DAYS_LEAF, '-sha256', '-extfile', extFile, '-out', join(dir, `${name}.crt`)], signal);
  await rm(csr, { force: true });
  await rm(extFile, { force: true });
}

function sanList(hosts: readonly string[]): string {
  const all = [...new Set([...SERVICE_NAMES, '127.0.0.1', ...hosts])];
  return all.map((h) => (isIP(h) ? `IP:${h}` : `DNS:${h}`)).join(',');
}

/** A kubeconfig for one user with the CA and client credentials embedded. */
export function kubeconfigYaml(server: string, caPem: string, user: { name: string; certPem: string; keyPem: string }, cluster = 'tskube'): string {
  const b64 = (s: string): string => Buffer.from(s).toString('base64');
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- cluster:',
    `    certificate-authority-data: ${b64(caPem)}`,
    `    server: ${server}`,
    `  name: ${cluster}`,
    'contexts:',
    '- context:',
    `    cluster: ${cluster}`,
    `    user: ${user.name}`,
    `  name: ${user.name}@${cluster}`,
    `current-context: ${user.name}@${cluster}`,
    'preferences: {}',
    'users:',
    `- name: ${user.name}`,
    '  user:',
    `    client-certificate-data: ${b64(user.certPem)}`,
    `    client-key-data: ${b64(user.keyPem)}`,
    '',
  ].join('\n');
}

/** Creates what is missing under `<dataDir>/pki` and (re)writes admin.kubeconfig. */
export async function ensurePki(dataDir: string, opts: PkiOptions = {}): Promise<Pki> {
  const dir = join(dataDir, 'pki');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const signal = opts.signal;
  const hosts = opts.hosts ?? [];
  if (!(await exists(join(dir, 'ca.crt'))) || !(await exists(join(dir, 'ca.key')))) {
    await newKey(join(dir, 'ca.key'), signal);
    await openssl(['req', '-x509', '-new', '-key', join(dir, 'ca.key'), '-sha256', '-days', DAYS_CA, '-subj', '/CN=tskube-ca', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign,digitalSignature', '-out', join(dir, 'ca.crt')], signal);
    await rm(join(dir, 'apiserver.crt'), { force: true });
    await rm(join(dir, 'admin.crt'), { force: true });
    await rm(join(dir, 'apiserver-kubelet-client.crt'), { force: true });
  }
  const sans = sanList(hosts);
  const sansFile = join(dir, 'apiserver.sans');
  const previous = await readFile(sansFile, 'utf8').catch(() => '');
  if (previous !== sans || !(await exists(join(dir, 'apiserver.crt')))) {
    const ext = `basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=${sans}\n`;
    await issue(dir, 'apiserver', '/CN=kube-apiserver', ext, signal);
    await writeFile(sansFile, sans);
  }
  if (!(await exists(join(dir, 'admin.crt')))) {
    await issue(dir, 'admin', '/O=system:masters/CN=kubernetes-admin', 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n', signal);
  }
  if (!(await exists(join(dir, 'apiserver-kubelet-client.crt')))) {
    await issue(dir, 'apiserver-kubelet-client', '/O=system:masters/CN=kube-apiserver-kubelet-client', 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n', signal);
  }
  const read = (name: string): Promise<string> => readFile(join(dir, name), 'utf8');
  const tls: TlsMaterial = { caPem: await read('ca.crt'), certPem: await read('apiserver.crt'), keyPem: await read('apiserver.key') };
  const admin = { certPem: await read('admin.crt'), keyPem: await read('admin.key') };
  const kubeletClient = { certPem: await read('apiserver-kubelet-client.crt'), keyPem: await read('apiserver-kubelet-client.key') };
  const first = hosts[0] ?? '127.0.0.1';
  const server = opts.serverUrl ?? `https://${isIP(first) === 6 ? `[${first}]` : first}:6443`;
  const adminKubeconfigPath = join(dataDir, 'admin.kubeconfig');
  await writeFile(adminKubeconfigPath, kubeconfigYaml(server, tls.caPem, { name: 'admin', ...admin }), { mode: 0o600 });
  return { dir, tls, admin, kubeletClient, adminKubeconfigPath };
}
