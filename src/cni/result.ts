/**
 * Parsing of plugin output: ADD results (spec 0.3.0 to 1.1 `ips`/`interfaces`; 0.1/0.2 `ip4`/`ip6`
 * converted), VERSION results and structured errors. Pure; throws `TypeError` naming the bad field.
 */
import type { CniDns, CniInterface, CniIpConfig, CniResult, CniRoute, CniVersionInfo } from './types.js';

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(o: Json, key: string, where: string): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new TypeError(`${where}.${key} must be a string, got ${JSON.stringify(v)}`);
  return v;
}

function reqStr(o: Json, key: string, where: string): string {
  const v = str(o, key, where);
  if (v === undefined) throw new TypeError(`${where}.${key} is missing`);
  return v;
}

function num(o: Json, key: string, where: string): number | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new TypeError(`${where}.${key} must be a number, got ${JSON.stringify(v)}`);
  return v;
}

function objects(o: Json, key: string, where: string): Json[] {
  const v = o[key];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || !v.every(isObject)) throw new TypeError(`${where}.${key} must be an array of objects`);
  return v;
}

function strings(o: Json, key: string, where: string): string[] | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || !v.every((s) => typeof s === 'string')) throw new TypeError(`${where}.${key} must be an array of strings`);
  return v as string[];
}

/** Copies only defined values, so results compare cleanly with toEqual. */
function defined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

function parseRoute(r: Json, where: string): CniRoute {
  return defined({ dst: reqStr(r, 'dst', where), gw: str(r, 'gw', where) });
}

function parseDns(v: unknown): CniDns {
  if (!isObject(v)) return {};
  return defined({
    nameservers: strings(v, 'nameservers', 'dns'),
    domain: str(v, 'domain', 'dns'),
    search: strings(v, 'search', 'dns'),
    options: strings(v, 'options', 'dns'),
  });
}

/** Parses JSON text from a plugin's stdout; a TypeError names what is wrong. */
export function parseJsonObject(text: string, what: string): Json {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    throw new TypeError(`${what} is not JSON: ${(err as Error).message}: ${JSON.stringify(text.slice(0, 200))}`);
  }
  if (!isObject(v)) throw new TypeError(`${what} is not a JSON object: ${JSON.stringify(text.slice(0, 200))}`);
  return v;
}

/** Validates an ADD result object (as printed by a plugin, or a cached `prevResult`). */
export function parseResult(raw: Json): CniResult {
  const cniVersion = reqStr(raw, 'cniVersion', 'result');
  if (/^0\.[12]\./.test(cniVersion)) return parseLegacyResult(raw, cniVersion);
  const interfaces: CniInterface[] = objects(raw, 'interfaces', 'result').map((i, n) =>
    defined({
      name: reqStr(i, 'name', `interfaces[${n}]`),
      mac: str(i, 'mac', `interfaces[${n}]`),
      mtu: num(i, 'mtu', `interfaces[${n}]`),
      sandbox: str(i, 'sandbox', `interfaces[${n}]`),
    }),
  );
  const ips: CniIpConfig[] = objects(raw, 'ips', 'result').map((ip, n) => {
    const iface = num(ip, 'interface', `ips[${n}]`);
    if (iface !== undefined && (iface < 0 || iface >= interfaces.length || !Number.isInteger(iface))) {
      throw new TypeError(`ips[${n}].interface ${iface} does not index interfaces (${interfaces.length})`);
    }
    return defined({ address: reqStr(ip, 'address', `ips[${n}]`), gateway: str(ip, 'gateway', `ips[${n}]`), interface: iface });
  });
  const routes = objects(raw, 'routes', 'result').map((r, n) => parseRoute(r, `routes[${n}]`));
  return { cniVersion, interfaces, ips, routes, dns: parseDns(raw.dns), raw };
}

/** 0.1.0/0.2.0 results: `ip4`/`ip6` objects with `ip`, `gateway`, `routes`; no interfaces. */
function parseLegacyResult(raw: Json, cniVersion: string): CniResult {
  const ips: CniIpConfig[] = [];
  const routes: CniRoute[] = [];
  for (const fam of ['ip4', 'ip6'] as const) {
    const v = raw[fam];
    if (v === undefined || v === null) continue;
    if (!isObject(v)) throw new TypeError(`result.${fam} must be an object`);
    ips.push(defined({ address: reqStr(v, 'ip', fam), gateway: str(v, 'gateway', fam) }));
    routes.push(...objects(v, 'routes', fam).map((r, n) => parseRoute(r, `${fam}.routes[${n}]`)));
  }
  return { cniVersion, interfaces: [], ips, routes, dns: parseDns(raw.dns), raw };
}

export function parseVersionInfo(raw: Json): CniVersionInfo {
  const cniVersion = reqStr(raw, 'cniVersion', 'version');
  const supportedVersions = strings(raw, 'supportedVersions', 'version');
  if (!supportedVersions) throw new TypeError('version.supportedVersions is missing');
  return { cniVersion, supportedVersions };
}

export interface StructuredError {
  code: number;
  msg: string;
  details?: string;
}

/** A structured error (`{code, msg, details}`) from stdout, or undefined when stdout is not one. */
export function parseStructuredError(stdout: string): StructuredError | undefined {
  let v: unknown;
  try {
    v = JSON.parse(stdout);
  } catch {
    return undefined;
  }
  if (!isObject(v) || typeof v.code !== 'number') return undefined;
  const msg = typeof v.msg === 'string' ? v.msg : '';
  return typeof v.details === 'string' && v.details !== '' ? { code: v.code, msg, details: v.details } : { code: v.code, msg };
}
