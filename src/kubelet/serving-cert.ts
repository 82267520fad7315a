/**
 * The kubelet's serving certificate when none is given (`--tls-cert-file`): self-signed, in
 * `<rootDir>/pki/kubelet.{crt,key}`, as upstream's kubelet makes one on first start. The API server
 * does not verify kubelet certificates unless told to (upstream's default without
 * `--kubelet-certificate-authority`), so a self-signed one serves. Kept across restarts; re-made
 * when the names or addresses change or it expires within a day.
 */
import { chmod, mkdir, readFile } from 'node:fs/promises';
import { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { runCommand } from '../lib/command.js';

const OPENSSL = '/usr/bin/openssl';
const DAY_MS = 86_400_000;

export interface ServingCert {
  certPem: string;
  keyPem: string;
  certPath: string;
  keyPath: string;
}

function sans(hosts: readonly string[]): string {
  return [...new Set(hosts)].map((h) => (isIP(h) ? `IP:${h}` : `DNS:${h}`)).join(',');
}

async function current(certPath: string, keyPath: string, wanted: string, now: number): Promise<ServingCert | undefined> {
  try {
    const [certPem, keyPem] = await Promise.all([readFile(certPath, 'utf8'), readFile(keyPath, 'utf8')]);
    const cert = new X509Certificate(certPem);
    const names = (cert.subjectAltName ?? '').split(', ').map((s) => s.replace(/^IP Address:/, 'IP:')).join(',');
    if (names !== wanted || Date.parse(cert.validTo) - now < DAY_MS) return undefined;
    return { certPem, keyPem, certPath, keyPath };
  } catch {
    return undefined;
  }
}

/** The self-signed serving certificate for `nodeName` and its addresses, made when missing or stale. */
export async function ensureSelfSignedServingCert(rootDir: string, nodeName: string, addresses: readonly string[], signal?: AbortSignal): Promise<ServingCert> {
  const dir = join(rootDir, 'pki');
  const certPath = join(dir, 'kubelet.crt');
  const keyPath = join(dir, 'kubelet.key');
  const wanted = sans([nodeName, ...addresses]);
  const kept = await current(certPath, keyPath, wanted, Date.now());
  if (kept) return kept;
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const subject = `/CN=${nodeName}@${Math.floor(Date.now() / 1000)}`;
  await runCommand(
    OPENSSL,
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', keyPath, '-out', certPath, '-days', '365', '-sha256', '-subj', subject, '-addext', `subjectAltName=${wanted}`, '-addext', 'extendedKeyUsage=serverAuth'],
    { signal, timeoutMs: 60_000 },
  );
  await chmod(keyPath, 0o600);
  const [certPem, keyPem] = await Promise.all([readFile(certPath, 'utf8'), readFile(keyPath, 'utf8')]);
  return { certPem, keyPem, certPath, keyPath };
}
