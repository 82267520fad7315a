import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, join } from 'node:path';
import { parse } from 'yaml';
import type { KubeClientOptions } from './client.js';

interface KubeconfigFile {
  'current-context'?: string;
  clusters?: { name: string; cluster: { server?: string; 'certificate-authority-data'?: string; 'certificate-authority'?: string } }[];
  users?: { name: string; user: { 'client-certificate-data'?: string; 'client-key-data'?: string; 'client-certificate'?: string; 'client-key'?: string; token?: string } }[];
  contexts?: { name: string; context: { cluster: string; user: string } }[];
}

/**
 * Reads a kubeconfig's current context into client options: server, CA, client certificate and
 * key (inline `*-data` or files relative to the kubeconfig) or a token. Errors name the file and
 * the missing piece.
 */
export async function loadKubeconfig(path: string): Promise<KubeClientOptions> {
  const text = await readFile(path, 'utf8');
  let doc: KubeconfigFile;
  try {
    doc = parse(text) as KubeconfigFile;
  } catch (err) {
    throw new Error(`kubeconfig ${path}: invalid YAML: ${(err as Error).message}`);
  }
  const fail = (what: string): never => {
    throw new Error(`kubeconfig ${path}: ${what}`);
  };
  const contextName = doc['current-context'] ?? fail('no current-context');
  const context = doc.contexts?.find((c) => c.name === contextName)?.context ?? fail(`context "${contextName}" not found`);
  const cluster = doc.clusters?.find((c) => c.name === context.cluster)?.cluster ?? fail(`cluster "${context.cluster}" not found`);
  const user = doc.users?.find((u) => u.name === context.user)?.user ?? fail(`user "${context.user}" not found`);
  const server = cluster.server ?? fail(`cluster "${context.cluster}" has no server`);
  const rel = (p: string): string => (isAbsolute(p) ? p : join(dirname(path), p));
  const b64 = (s: string): string => Buffer.from(s, 'base64').toString('utf8');
  const fromData = async (data: string | undefined, file: string | undefined): Promise<string | undefined> =>
    data ? b64(data) : file ? readFile(rel(file), 'utf8') : undefined;
  return {
    server,
    ca: await fromData(cluster['certificate-authority-data'], cluster['certificate-authority']),
    cert: await fromData(user['client-certificate-data'], user['client-certificate']),
    key: await fromData(user['client-key-data'], user['client-key']),
    token: user.token,
  };
}
