/**
 * `POST pods/<name>/eviction` (what `kubectl drain` sends), as upstream's EvictionREST: a pod not
 * yet running or already finished is deleted at once; otherwise the one PodDisruptionBudget that
 * selects it must allow a disruption, which is then spent (status.disruptionsAllowed - 1 and the pod
 * under status.disruptedPods) before the pod is deleted with the eviction's DeleteOptions. Refusals
 * are 429 TooManyRequests with a `DisruptionBudget` cause, as kubectl drain expects to retry them.
 */
import { formatTime } from '../../../api/index.js';
import { ApiError, badRequest, failure, success } from '../errors.js';
import { isRecord, recordAt, stringAt, type KObject } from '../object.js';
import { deleteObject, listObjects } from '../store/index.js';
import { selectorMatches } from '../strategies/template.js';
import type { ApiServices, RequestScope } from './context.js';
import { readObject } from './decode.js';
import { dryRunOf, writeResult } from './params.js';

const VIOLATION = 'Cannot evict pod as it would violate the pod\'s disruption budget.';

function tooManyRequests(cause: string): ApiError {
  return new ApiError(failure(429, 'TooManyRequests', VIOLATION, { causes: [{ reason: 'DisruptionBudget', message: cause }] }));
}

export async function handleEviction(services: ApiServices, scope: RequestScope): Promise<void> {
  const dryRun = dryRunOf(scope.query, 'CreateOptions');
  const eviction = await readObject(scope, { group: 'policy', version: 'v1', kind: 'Eviction', schema: 'policy.v1.Eviction' });
  if ((eviction.metadata.name ?? '') !== scope.name) throw badRequest('name in URL does not match name in Eviction object');
  const pods = services.storeFor('', 'pods');
  const pod = await pods.get(scope.namespace, scope.name, scope.signal);
  const deleteOptions = recordAt(eviction, 'deleteOptions') ?? {};
  const grace = typeof deleteOptions.gracePeriodSeconds === 'number' ? deleteOptions.gracePeriodSeconds : undefined;
  const uid = stringAt(deleteOptions, 'preconditions', 'uid');
  const remove = async (): Promise<void> => {
    await deleteObject(pods, scope.namespace, scope.name, { dryRun, signal: scope.signal, ...(grace === undefined ? {} : { gracePeriodSeconds: grace }), ...(uid ? { preconditions: { uid } } : {}) });
    writeResult(scope, 201, success(undefined, 201));
  };
  // Pods that do not run (yet or any more), or are already going, need no budget.
  const phase = stringAt(pod, 'status', 'phase');
  if (phase === 'Succeeded' || phase === 'Failed' || phase === 'Pending' || pod.metadata.deletionTimestamp) return remove();

  const pdbStore = services.storeFor('policy', 'poddisruptionbudgets');
  const { items } = await listObjects(pdbStore, scope.namespace, { signal: scope.signal });
  const labels = pod.metadata.labels ?? {};
  const matching = items.filter((pdb) => {
    const sel = recordAt(pdb, 'spec', 'selector');
    // policy/v1: a missing selector selects no pods, an empty one all of them.
    return sel !== undefined && selectorMatches(sel, labels);
  });
  if (matching.length === 0) return remove();
  if (matching.length > 1) throw new ApiError(failure(500, 'InternalError', 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.'));
  const pdb = matching[0] as KObject;
  const pdbName = pdb.metadata.name ?? '';
  await pdbStore.update(
    scope.namespace,
    pdbName,
    (current) => {
      if (!current) throw tooManyRequests(`The disruption budget ${pdbName} is still being processed by the server.`);
      const status = isRecord(current.status) ? current.status : {};
      const observed = typeof status.observedGeneration === 'number' ? status.observedGeneration : 0;
      if (observed < (current.metadata.generation ?? 0)) throw tooManyRequests(`The disruption budget ${pdbName} is still being processed by the server.`);
      const allowed = typeof status.disruptionsAllowed === 'number' ? status.disruptionsAllowed : 0;
      if (allowed <= 0) {
        const healthy = typeof status.currentHealthy === 'number' ? status.currentHealthy : 0;
        const desired = typeof status.desiredHealthy === 'number' ? status.desiredHealthy : 0;
        throw tooManyRequests(`The disruption budget ${pdbName} needs ${desired} healthy pods and has ${healthy} currently`);
      }
      const disrupted = isRecord(status.disruptedPods) ? status.disruptedPods : {};
      if (Object.keys(disrupted).length > 2000) throw tooManyRequests('DisruptedPods map too big - too many evictions not confirmed by PDB controller');
      status.disruptionsAllowed = allowed - 1;
      status.disruptedPods = { ...disrupted, [scope.name]: formatTime(services.now()) };
      current.status = status;
      return current;
    },
    { dryRun, signal: scope.signal, hooks: { kind: 'subresource', strategy: { prepareForUpdate: () => undefined, validateUpdate: () => [] } } },
  );
  return remove();
}
