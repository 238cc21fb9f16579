// GET pods/{pod}/log: the API server's checks (options, pod, container), the
// kubelet's (the container's state, `previous`), then the container's log as
// text/plain, filtered by tailLines, sinceSeconds/sinceTime and limitBytes,
// stamped with timestamps=true, and followed while the container runs.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { formatTimestamp, type LogLine } from './container-log.js';
import { queryBool } from './exec-protocol.js';
import { validateExec } from './exec-target.js';
import type { ContainerRun } from './main-process.js';
import type { LocalPodRuntime } from './pods.js';
import { sendStatus } from './responses.js';
import { failureStatus, invalidStatus, type Status } from './status.js';

interface LogOptions {
  container: string;
  follow: boolean;
  previous: boolean;
  timestamps: boolean;
  tailLines?: number;
  sinceSeconds?: number;
  sinceTime?: Date;
  limitBytes?: number;
}

/** Query integers as the API server converts them (strconv.ParseInt, base 10). */
function queryInt(params: URLSearchParams, key: string): number | undefined | Error {
  const value = params.get(key);
  if (value === null) return undefined;
  if (!/^[+-]?\d+$/.test(value)) return new Error(`strconv.ParseInt: parsing ${JSON.stringify(value)}: invalid syntax`);
  return Number(value);
}

/** The PodLogOptions of a request, or the Status that refuses it (validation.ValidatePodLogOptions). */
function parseOptions(podName: string, params: URLSearchParams): Omit<LogOptions, 'container'> | Status {
  const ints: Record<'tailLines' | 'sinceSeconds' | 'limitBytes', number | undefined> = {
    tailLines: undefined,
    sinceSeconds: undefined,
    limitBytes: undefined,
  };
  for (const key of ['tailLines', 'sinceSeconds', 'limitBytes'] as const) {
    const value = queryInt(params, key);
    if (value instanceof Error) return failureStatus(400, value.message);
    ints[key] = value;
  }
  let sinceTime: Date | undefined;
  const sinceText = params.get('sinceTime');
  if (sinceText !== null && sinceText !== '') {
    sinceTime = new Date(sinceText);
    if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.test(sinceText) || Number.isNaN(sinceTime.getTime()))
      return failureStatus(400, `parsing time ${JSON.stringify(sinceText)} as "2006-01-02T15:04:05Z07:00": cannot parse`);
  }
  const causes: Array<{ field: string; message: string; reason: string }> = [];
  if (ints.tailLines !== undefined && ints.tailLines < 0)
    causes.push({
      field: 'tailLines',
      reason: 'FieldValueInvalid',
      message: `Invalid value: ${ints.tailLines}: must be greater than or equal to 0`,
    });
  if (ints.limitBytes !== undefined && ints.limitBytes < 1)
    causes.push({ field: 'limitBytes', reason: 'FieldValueInvalid', message: `Invalid value: ${ints.limitBytes}: must be greater than 0` });
  if (ints.sinceSeconds !== undefined && sinceTime !== undefined)
    causes.push({
      field: 'sinceSeconds',
      reason: 'FieldValueForbidden',
      message: 'Forbidden: at most one of `sinceTime` or `sinceSeconds` may be specified',
    });
  else if (ints.sinceSeconds !== undefined && ints.sinceSeconds < 1)
    causes.push({
      field: 'sinceSeconds',
      reason: 'FieldValueInvalid',
      message: `Invalid value: ${ints.sinceSeconds}: must be greater than 0`,
    });
  if (causes.length > 0) return invalidStatus('PodLogOptions', podName, causes);
  return {
    follow: queryBool(params, 'follow'),
    previous: queryBool(params, 'previous'),
    timestamps: queryBool(params, 'timestamps'),
    ...(ints.tailLines === undefined ? {} : { tailLines: ints.tailLines }),
    ...(ints.sinceSeconds === undefined ? {} : { sinceSeconds: ints.sinceSeconds }),
    ...(sinceTime === undefined ? {} : { sinceTime }),
    ...(ints.limitBytes === undefined ? {} : { limitBytes: ints.limitBytes }),
  };
}

/**
 * The run whose log is read, chosen from the container's state as the
 * kubelet chooses it (validateContainerLogStatus), or its words for why not.
 */
function chooseRun(pod: LocalPodRuntime, container: string, previous: boolean): ContainerRun | string {
  const main = pod.mains.get(container);
  const quoted = `container ${JSON.stringify(container)} in pod ${JSON.stringify(pod.name)}`;
  if (main === undefined) return `${quoted} is not available`;
  const status = main.status() as { state: { waiting?: { reason?: string } }; lastState: { terminated?: unknown } };
  const lastTerminated =
    status.lastState.terminated === undefined ? undefined : main.waiting !== undefined ? main.current : main.lastTerminated;
  if (previous) {
    return lastTerminated ?? `previous terminated container ${JSON.stringify(container)} in pod ${JSON.stringify(pod.name)} not found`;
  }
  if (main.waiting === undefined && main.current !== undefined) return main.current;
  if (lastTerminated !== undefined) return lastTerminated;
  switch (status.state.waiting?.reason) {
    case 'ErrImagePull':
      return `${quoted} is waiting to start: image can't be pulled`;
    case 'ImagePullBackOff':
      return `${quoted} is waiting to start: trying and failing to pull image`;
    case undefined:
      return `${quoted} is waiting to start - no logs yet`;
    default:
      return `${quoted} is waiting to start: ${status.state.waiting?.reason}`;
  }
}

/** Answers GET pods/{pod}/log. */
export function serveLog(
  req: IncomingMessage,
  res: ServerResponse,
  pods: ReadonlyMap<string, LocalPodRuntime>,
  namespace: string,
  podName: string,
  params: URLSearchParams,
): void {
  const options = parseOptions(podName, params);
  if ('status' in options) return sendStatus(res, options);
  const target = validateExec(pods, namespace, podName, params);
  if ('status' in target) return sendStatus(res, target);
  const run = chooseRun(target.pod, target.container, options.previous);
  if (typeof run === 'string') return sendStatus(res, failureStatus(400, run));
  streamLog(req, res, run, { ...options, container: target.container });
}

function streamLog(req: IncomingMessage, res: ServerResponse, run: ContainerRun, options: LogOptions): void {
  res.writeHead(200, { 'Content-Type': 'text/plain', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
  if (req.method === 'HEAD') return void res.end();
  // The kubelet writes (and flushes) nothing at once, so a follower sees the answer before any line.
  res.flushHeaders();
  const since =
    options.sinceTime !== undefined
      ? BigInt(options.sinceTime.getTime()) * 1_000_000n
      : options.sinceSeconds !== undefined
        ? BigInt(Date.now() - options.sinceSeconds * 1000) * 1_000_000n
        : undefined;
  let remaining = options.limitBytes ?? Infinity;
  const history = run.log.from(0);
  let cursor =
    options.tailLines === undefined ? (history[0]?.seq ?? run.log.end) : run.log.end - Math.min(options.tailLines, history.length);
  let finished = false;
  let unsubscribe: () => void = () => undefined;
  const finish = () => {
    if (finished) return;
    finished = true;
    unsubscribe();
    res.end();
  };
  const render = (line: LogLine): Buffer | undefined => {
    if (since !== undefined && line.time < since) return undefined;
    const text = options.timestamps ? Buffer.concat([Buffer.from(`${formatTimestamp(line.time)} `), line.data]) : line.data;
    return text;
  };
  // Writes from the cursor while the client keeps up; a full socket waits for 'drain'.
  const pump = () => {
    if (finished) return;
    for (const line of run.log.from(cursor)) {
      cursor = line.seq + 1;
      const text = render(line);
      if (text === undefined) continue;
      const piece = text.length > remaining ? text.subarray(0, remaining) : text;
      remaining -= piece.length;
      const more = res.write(piece);
      if (remaining <= 0) return finish();
      if (!more) {
        res.once('drain', pump);
        return;
      }
    }
    if (!options.follow || run.log.ended) finish();
  };
  if (options.follow) unsubscribe = run.log.subscribe(() => res.writableNeedDrain || pump());
  req.socket.once('close', finish);
  pump();
}
