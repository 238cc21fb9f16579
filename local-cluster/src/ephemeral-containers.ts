// PATCH pods/{pod}/ephemeralcontainers as the API server takes it: a strategic
// merge, merge or JSON patch applied to the Pod, of which only
// spec.ephemeralContainers is kept; a stale metadata.resourceVersion is a 409
// Conflict; existing ephemeral containers may be neither changed nor removed.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EphemeralContainer } from './ephemeral-images.js';
import type { LocalPodRuntime } from './pods.js';
import { sendJson, sendStatus } from './responses.js';
import { conflictStatus, failureStatus, invalidStatus, notFound } from './status.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
const isObject = (v: unknown): v is Record<string, Json> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** RFC 7386; with `byName`, lists of objects under these keys merge by their name (the strategic merge of kubectl). */
function mergePatch(target: Json, patch: Json, strategic: boolean, key = ''): Json {
  if (strategic && Array.isArray(patch) && Array.isArray(target) && MERGE_BY_NAME.has(key)) {
    const merged = [...target];
    for (const item of patch) {
      const index = isObject(item) ? merged.findIndex((t) => isObject(t) && t.name === item.name) : -1;
      if (index >= 0) merged[index] = mergePatch(merged[index]!, item, strategic);
      else merged.push(item);
    }
    return merged;
  }
  if (!isObject(patch)) return patch;
  const result: Record<string, Json> = isObject(target) ? { ...target } : {};
  for (const [name, value] of Object.entries(patch)) {
    if (name.startsWith('$')) continue;
    if (value === null) Reflect.deleteProperty(result, name);
    else result[name] = mergePatch(result[name] ?? null, value, strategic, name);
  }
  return result;
}
const MERGE_BY_NAME = new Set(['ephemeralContainers', 'containers', 'initContainers', 'env']);

class PatchError extends Error {}

/** RFC 6902: add, remove, replace, test, move, copy. */
function jsonPatch(document: Json, operations: unknown): Json {
  if (!Array.isArray(operations)) throw new PatchError('json: cannot unmarshal object into Go value of type jsonpatch.Patch');
  let doc = structuredClone(document);
  const pointer = (path: unknown) => {
    if (typeof path !== 'string' || (path !== '' && !path.startsWith('/'))) throw new PatchError(`invalid JSON pointer: ${String(path)}`);
    return path === ''
      ? []
      : path
          .slice(1)
          .split('/')
          .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  };
  const parentOf = (parts: string[]): { parent: Json; last: string } => {
    let node: Json = doc;
    for (const part of parts.slice(0, -1)) {
      const next: Json | undefined = Array.isArray(node) ? node[Number(part)] : isObject(node) ? node[part] : undefined;
      if (next === undefined) throw new PatchError(`doc is missing path: "/${parts.join('/')}": missing value`);
      node = next;
    }
    return { parent: node, last: parts.at(-1)! };
  };
  const get = (parts: string[]): Json | undefined => {
    if (parts.length === 0) return doc;
    const { parent, last } = parentOf(parts);
    return Array.isArray(parent) ? parent[Number(last)] : isObject(parent) ? parent[last] : undefined;
  };
  const remove = (parts: string[]): Json => {
    const { parent, last } = parentOf(parts);
    const value = get(parts);
    if (value === undefined) throw new PatchError(`Unable to remove nonexistent key: ${last}: missing value`);
    if (Array.isArray(parent)) parent.splice(Number(last), 1);
    else if (isObject(parent)) Reflect.deleteProperty(parent, last);
    return value;
  };
  const add = (parts: string[], value: Json) => {
    if (parts.length === 0) return void (doc = value);
    const { parent, last } = parentOf(parts);
    if (Array.isArray(parent)) {
      const index = last === '-' ? parent.length : Number(last);
      if (!Number.isInteger(index) || index < 0 || index > parent.length)
        throw new PatchError(`add operation does not apply: doc is missing path: "/${parts.join('/')}": missing value`);
      parent.splice(index, 0, value);
    } else if (isObject(parent)) parent[last] = value;
    else throw new PatchError(`add operation does not apply: doc is missing path: "/${parts.join('/')}": missing value`);
  };
  for (const op of operations as Array<Record<string, Json>>) {
    const path = pointer(op.path);
    switch (op.op) {
      case 'add':
        add(path, structuredClone(op.value ?? null));
        break;
      case 'remove':
        remove(path);
        break;
      case 'replace':
        remove(path);
        add(path, structuredClone(op.value ?? null));
        break;
      case 'test':
        if (JSON.stringify(get(path)) !== JSON.stringify(op.value))
          throw new PatchError('testing value /' + path.join('/') + ' failed: test failed');
        break;
      case 'move':
        add(path, remove(pointer(op.from)));
        break;
      case 'copy':
        add(path, structuredClone(get(pointer(op.from)) ?? null));
        break;
      default:
        throw new PatchError(`Unexpected kind: ${String(op.op)}`);
    }
  }
  return doc;
}

const PATCH_TYPES = ['application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json'];

/**
 * The API server writes an EphemeralContainer's fields in its Go struct's
 * order, whatever order they came in; fields not listed keep theirs, after.
 */
const FIELD_ORDER = [
  'name',
  'image',
  'command',
  'args',
  'workingDir',
  'ports',
  'envFrom',
  'env',
  'resources',
  'resizePolicy',
  'restartPolicy',
  'volumeMounts',
  'volumeDevices',
  'livenessProbe',
  'readinessProbe',
  'startupProbe',
  'lifecycle',
  'terminationMessagePath',
  'terminationMessagePolicy',
  'imagePullPolicy',
  'securityContext',
  'stdin',
  'stdinOnce',
  'tty',
  'targetContainerName',
];

/** What the API server fills in for an ephemeral container (SetDefaults_EphemeralContainer), in its field order. */
function withDefaults(container: EphemeralContainer): EphemeralContainer {
  const image = container.image ?? '';
  const latest = !/:[^/]+$/.test(image.split('@')[0]!) || image.split('@')[0]!.endsWith(':latest');
  const filled: Record<string, unknown> = {
    terminationMessagePath: '/dev/termination-log',
    terminationMessagePolicy: 'File',
    imagePullPolicy: latest && !image.includes('@') ? 'Always' : 'IfNotPresent',
    resources: {},
    ...container,
  };
  const ordered: Record<string, unknown> = {};
  for (const key of FIELD_ORDER) if (key in filled) ordered[key] = filled[key];
  for (const key of Object.keys(filled)) if (!(key in ordered)) ordered[key] = filled[key];
  return ordered as EphemeralContainer;
}

/** Answers PATCH pods/{pod}/ephemeralcontainers. */
export async function patchEphemeralContainers(
  req: IncomingMessage,
  res: ServerResponse,
  pod: LocalPodRuntime | undefined,
  podName: string,
): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  if (pod === undefined) return sendStatus(res, notFound('pods', podName));
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim();
  if (!PATCH_TYPES.includes(type)) {
    return sendStatus(
      res,
      failureStatus(
        415,
        `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json, application/apply-patch+cbor`,
      ),
    );
  }
  let patched: Json;
  try {
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Json;
    const current = pod.toApiObject() as Json;
    patched =
      type === 'application/json-patch+json'
        ? jsonPatch(current, body)
        : mergePatch(current, body, type.startsWith('application/strategic'));
  } catch (error) {
    return sendStatus(
      res,
      failureStatus(400, error instanceof PatchError ? error.message : `error decoding patch: ${(error as Error).message}`),
    );
  }
  const meta = isObject(patched) && isObject(patched.metadata) ? patched.metadata : {};
  if (typeof meta.resourceVersion === 'string' && meta.resourceVersion !== '' && meta.resourceVersion !== pod.resourceVersion) {
    return sendStatus(res, conflictStatus('pods', podName));
  }
  const spec = isObject(patched) && isObject(patched.spec) ? patched.spec : {};
  const wanted = (Array.isArray(spec.ephemeralContainers) ? spec.ephemeralContainers : []) as unknown as EphemeralContainer[];
  const causes: Array<{ field: string; message: string; reason: string }> = [];
  for (const existing of pod.ephemeralContainers) {
    const now = wanted.find((c) => isObject(c) && c.name === existing.name);
    if (now === undefined)
      causes.push({
        field: 'spec.ephemeralContainers',
        reason: 'FieldValueForbidden',
        message: `Forbidden: existing ephemeral containers ${JSON.stringify(existing.name)} may not be removed\n`,
      });
    else if (JSON.stringify(withDefaults(now)) !== JSON.stringify(existing))
      causes.push({
        field: 'spec.ephemeralContainers',
        reason: 'FieldValueForbidden',
        message: `Forbidden: existing ephemeral containers ${JSON.stringify(existing.name)} may not be changed\n`,
      });
  }
  const added: EphemeralContainer[] = [];
  const names = new Set(pod.spec.containers.map((c) => c.name));
  wanted.forEach((container, i) => {
    const at = `spec.ephemeralContainers[${i}]`;
    if (!isObject(container)) return;
    if (pod.ephemeral(container.name) !== undefined) return void names.add(container.name);
    if (typeof container.name !== 'string' || container.name === '')
      causes.push({ field: `${at}.name`, reason: 'FieldValueRequired', message: 'Required value' });
    else if (names.has(container.name))
      causes.push({ field: `${at}.name`, reason: 'FieldValueDuplicate', message: `Duplicate value: ${JSON.stringify(container.name)}` });
    names.add(container.name);
    if (typeof container.image !== 'string' || container.image === '')
      causes.push({ field: `${at}.image`, reason: 'FieldValueRequired', message: 'Required value' });
    if (container.targetContainerName !== undefined && pod.container(container.targetContainerName) === undefined)
      causes.push({
        field: `${at}.targetContainerName`,
        reason: 'FieldValueNotFound',
        message: `Not found: ${JSON.stringify(container.targetContainerName)}`,
      });
    added.push(withDefaults(container));
  });
  if (causes.length > 0) return sendStatus(res, invalidStatus('Pod', podName, causes));
  for (const container of added) pod.addEphemeral(container);
  sendJson(res, 200, pod.toApiObject());
}
