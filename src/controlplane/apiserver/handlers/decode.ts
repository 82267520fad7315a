/** Request bodies as objects: read, decoded by Content-Type, and checked for the endpoint's kind. */
import type { KObject } from '../object.js';
import { decodeProtobufObject } from '../protobuf/index.js';
import { checkObject, fieldValidationOf, objectFormat, parseObjectText, readBody } from '../server/body.js';
import type { RequestScope } from './context.js';

/** Reads and checks the body as an object of `expect` (the endpoint's kind). */
export async function readObject(scope: RequestScope, expect: { group: string; version: string; kind: string; schema?: string }): Promise<KObject> {
  const body = await readBody(scope.req);
  const format = objectFormat(scope.req.headers['content-type']);
  const value = format === 'protobuf' ? decodeProtobufObject(body, expect.kind) : parseObjectText(body, format, expect.kind);
  const { obj, warnings } = checkObject(value, expect, fieldValidationOf(scope.query.get('fieldValidation')));
  scope.warnings.push(...warnings);
  return obj;
}

