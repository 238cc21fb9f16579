// Where a terminal session's websocket goes: the pod's exec (or attach) URL
// on this gateway, with the command, and the session to resume if any.

export interface Target {
  cluster: string;
  namespace: string;
  pod: string;
  container?: string;
  command?: string[];
  /** Attach to the container's main process (a debug container) instead of starting a command in it. */
  attach?: boolean;
}

/** A session to come back to: its id and the output bytes this page already has. */
export interface ResumePoint {
  id: string;
  offset: number;
}

export function execUrl(target: Target, base: string = window.location.href, resume?: ResumePoint): string {
  const query = new URLSearchParams();
  if (target.container) query.set('container', target.container);
  // Attach takes no command: it joins the process that runs.
  if (target.attach !== true) for (const arg of target.command ?? []) query.append('command', arg);
  if (resume !== undefined) {
    query.set('resume', resume.id);
    query.set('offset', String(resume.offset));
  }
  const path = `api/clusters/${encodeURIComponent(target.cluster)}/namespaces/${encodeURIComponent(target.namespace)}/pods/${encodeURIComponent(target.pod)}/${target.attach === true ? 'attach' : 'exec'}`;
  const url = new URL(path, base);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  url.search = query.toString();
  url.hash = '';
  return url.href;
}
