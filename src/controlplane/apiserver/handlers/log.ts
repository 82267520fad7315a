/**
 * `GET pods/<name>/log`. The logs live on the pod's node and are served through the kubelet API,
 * which this slice does not proxy yet: unscheduled pods answer empty (as upstream), scheduled ones
 * 503 until the kubelet proxy exists.
 */
import { serviceUnavailable } from '../errors.js';
import { stringAt } from '../object.js';
import { writeText } from '../server/respond.js';
import type { ApiServices, RequestScope } from './context.js';

export async function handleLog(_services: ApiServices, scope: RequestScope): Promise<void> {
  const pod = await scope.store.get(scope.namespace, scope.name, scope.signal);
  if (!stringAt(pod, 'spec', 'nodeName')) return writeText(scope.res, 200, '');
  throw serviceUnavailable(`pod logs are served by the kubelet of node "${stringAt(pod, 'spec', 'nodeName')}", which tskube's API server does not proxy yet`);
}
