/**
 * Pod binding (`POST pods/<name>/binding`, and the legacy `POST bindings`): the scheduler's write
 * that assigns a pod to a node, as upstream's BindingREST: sets spec.nodeName and a true
 * PodScheduled condition; 409 when the pod is already bound, being deleted or scheduling-gated.
 */
import { formatTime } from '../../../api/index.js';
import { fieldPath, notSupported, required, type FieldError } from '../../../api/validation/index.js';
import { badRequest, conflict, invalid, success } from '../errors.js';
import { isRecord, stringAt } from '../object.js';
import type { ApiServices, RequestScope } from './context.js';
import { dryRunOf, writeResult } from './params.js';
import { readObject } from './decode.js';

/** `POST pods/<name>/binding` and `POST bindings`: assigns a pod to a node (the scheduler's write). */
export async function handleBinding(services: ApiServices, scope: RequestScope): Promise<void> {
  const urlName = scope.subresource === 'binding' ? scope.name : '';
  const dryRun = dryRunOf(scope.query, 'CreateOptions');
  const binding = await readObject(scope, { group: '', version: 'v1', kind: 'Binding', schema: 'core.v1.Binding' });
  const name = binding.metadata.name ?? '';
  if (urlName !== '' && name !== urlName) throw badRequest('name in URL does not match name in Binding object');
  const targetKind = stringAt(binding, 'target', 'kind');
  const node = stringAt(binding, 'target', 'name');
  const errs: FieldError[] = [];
  if (targetKind !== '' && targetKind !== 'Node') errs.push(notSupported(fieldPath('target', 'kind'), targetKind, ['Node', '<empty>']));
  if (node === '') errs.push(required(fieldPath('target', 'name')));
  if (errs.length > 0) throw invalid('', 'Binding', name, errs);
  const pods = services.storeFor('', 'pods');
  const gr = { group: '', resource: 'pods/binding' };
  await pods.update(
    scope.namespace,
    name,
    (current) => {
      if (!current) throw conflict(gr, name, `pod ${name} not found`);
      if (current.metadata.deletionTimestamp) throw conflict(gr, name, `pod ${name} is being deleted, cannot be assigned to a host`);
      const spec = isRecord(current.spec) ? current.spec : {};
      if (typeof spec.nodeName === 'string' && spec.nodeName !== '') throw conflict(gr, name, `pod ${name} is already assigned to node "${spec.nodeName}"`);
      if (Array.isArray(spec.schedulingGates) && spec.schedulingGates.length > 0) throw conflict(gr, name, `pod ${name} has non-empty .spec.schedulingGates`);
      spec.nodeName = node;
      current.spec = spec;
      const annotations = binding.metadata.annotations;
      if (annotations) current.metadata.annotations = { ...current.metadata.annotations, ...annotations };
      const status = isRecord(current.status) ? current.status : {};
      const conditions = Array.isArray(status.conditions) ? status.conditions.filter((c) => !(isRecord(c) && c.type === 'PodScheduled')) : [];
      conditions.push({ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: formatTime(services.now()) });
      status.conditions = conditions;
      current.status = status;
      return current;
    },
    { dryRun, signal: scope.signal, hooks: { kind: 'subresource', strategy: { prepareForUpdate: () => undefined, validateUpdate: () => [] } } },
  );
  writeResult(scope, 201, success(undefined, 201));
}
