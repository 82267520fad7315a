/**
 * Self-subject reviews, answered from the request's own user and the authorizer, never stored:
 * `SelfSubjectReview` (kubectl auth whoami) and `SelfSubjectAccessReview` (kubectl auth can-i).
 */
import { formatTime } from '../../../api/index.js';
import { isRecord, recordAt, stringAt } from '../object.js';
import type { ApiServices, RequestScope } from './context.js';
import { writeResult } from './params.js';
import { readObject } from './decode.js';

export async function handleSelfSubjectReview(services: ApiServices, scope: RequestScope): Promise<void> {
  await readObject(scope, scope.def);
  writeResult(scope, 201, {
    kind: 'SelfSubjectReview',
    apiVersion: 'authentication.k8s.io/v1',
    metadata: { creationTimestamp: formatTime(services.now()) },
    status: { userInfo: { username: scope.user.name, groups: scope.user.groups } },
  });
}

export async function handleSelfSubjectAccessReview(services: ApiServices, scope: RequestScope): Promise<void> {
  const review = await readObject(scope, scope.def);
  const spec = recordAt(review, 'spec') ?? {};
  const ra = recordAt(spec, 'resourceAttributes');
  const nra = recordAt(spec, 'nonResourceAttributes');
  const decision = isRecord(ra)
    ? services.authorizer.authorize({
        user: scope.user,
        verb: stringAt(ra, 'verb'),
        resource: { group: stringAt(ra, 'group'), resource: stringAt(ra, 'resource'), subresource: stringAt(ra, 'subresource'), namespace: stringAt(ra, 'namespace'), name: stringAt(ra, 'name') },
      })
    : services.authorizer.authorize({ user: scope.user, verb: stringAt(nra, 'verb'), path: stringAt(nra, 'path') });
  writeResult(scope, 201, {
    kind: 'SelfSubjectAccessReview',
    apiVersion: 'authorization.k8s.io/v1',
    metadata: { creationTimestamp: formatTime(services.now()) },
    spec,
    status: { allowed: decision.allowed, ...(decision.reason ? { reason: decision.reason } : {}) },
  });
}
