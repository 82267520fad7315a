/**
 * Writing answers: JSON (or YAML) bodies with a Content-Type on every response (client-node needs
 * one), Status errors with their code, and `Warning: 299 - "..."` headers.
 */
import type { ServerResponse } from 'node:http';
import { stringify as toYaml } from 'yaml';
import type { Status } from '../../../api/index.js';

export const JSON_TYPE = 'application/json';

/** `299 - "text"` with the text escaped as Go's `%q`. */
export function warningHeader(text: string): string {
  return `299 - ${JSON.stringify(text)}`;
}

export function addWarnings(res: ServerResponse, warnings: readonly string[]): void {
  if (warnings.length === 0 || res.headersSent) return;
  res.setHeader('Warning', [...new Set(warnings)].map(warningHeader));
}

/**
 * Writes `body` as JSON (or YAML) with `code`; `contentType` overrides the header. `json` is
 * `JSON.stringify(body)` when the caller already has it (an object written as it was stored).
 */
export function writeObject(res: ServerResponse, code: number, body: unknown, opts: { yaml?: boolean; contentType?: string; head?: boolean; json?: string } = {}): void {
  const text = opts.yaml ? toYaml(body) : `${opts.json ?? JSON.stringify(body)}\n`;
  res.statusCode = code;
  res.setHeader('Content-Type', opts.contentType ?? (opts.yaml ? 'application/yaml' : JSON_TYPE));
  res.setHeader('Content-Length', Buffer.byteLength(text, 'utf8'));
  // A string body goes out with the headers in one write (a Buffer costs a writev and a copy).
  res.end(opts.head ? undefined : text);
}

/** Writes JSON text that is already encoded (large lists), as `writeObject` would write it. */
export function writeJsonText(res: ServerResponse, code: number, json: string, head = false): void {
  res.statusCode = code;
  res.setHeader('Content-Type', JSON_TYPE);
  res.setHeader('Content-Length', Buffer.byteLength(json, 'utf8') + 1);
  res.end(head ? undefined : `${json}\n`);
}

export function writeStatus(res: ServerResponse, status: Status): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  writeObject(res, status.code ?? 500, status);
}

export function writeText(res: ServerResponse, code: number, text: string): void {
  res.statusCode = code;
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.end(text);
}
