// Shapes of the REST API (JSON), shared by the server and the page.

export interface ClusterList {
  items: Array<{ name: string }>;
}

export interface PodSummary {
  name: string;
  phase: string;
  containers: string[];
  /** Ephemeral (debug) containers added to the pod, with whether each runs now. */
  ephemeralContainers?: Array<{ name: string; running: boolean }>;
  /** Whether every container is ready, and how many restarts the pod's containers had, for the picker. */
  ready?: boolean;
  restarts?: number;
}

export interface PodList {
  items: PodSummary[];
}

/** A namespace the caller may see, with what they may do there, so the page offers only that. */
export interface NamespaceSummary {
  name: string;
  /** Whether the caller may open shells and run commands here. */
  exec: boolean;
  /** The declared actions the caller may run here. */
  actions: string[];
  /** Whether the caller may read pod logs here (verb `logs`). */
  logs: boolean;
  /** Whether the caller may start debug containers here (verb `debug`). */
  debug: boolean;
}

export interface NamespaceList {
  items: NamespaceSummary[];
}

/** One action the caller may run on a cluster, as the Reload button lists it. */
export interface ActionSummary {
  name: string;
  description?: string;
  namespace?: string;
  selector?: string;
}

export interface ActionList {
  items: ActionSummary[];
}

/** Body of POST /api/clusters/{cluster}/actions/{action}. Unknown fields are refused. */
export interface ActionRunRequest {
  namespace?: string;
  selector?: string;
  pods?: string[];
}

/** What running an action did on one pod. */
export interface ActionPodResult {
  pod: string;
  container: string;
  /** The exit code of the check when it failed, else of the command; null when neither ran to an end. */
  exitCode: number | null;
  stdout: string;
  stderr: string;
  durationMs: number;
  /** Which step decided the result. */
  step?: 'check' | 'command';
  /** Set when the pod's run failed before an exit code: timeout, connection, refusal. */
  error?: string;
  timedOut?: boolean;
  /** Set when a stream was longer than the cap and cut. */
  stdoutTruncated?: boolean;
  stderrTruncated?: boolean;
}

export interface ActionRunResult {
  success: boolean;
  results: ActionPodResult[];
}

/** Body of POST /api/actions/{action}: the fan-out across clusters. */
export interface ActionFanOutRequest {
  targets: Array<{ cluster: string; namespace?: string; selector?: string }>;
}

export interface ActionFanOutResult {
  success: boolean;
  clusters: Array<{
    cluster: string;
    namespace: string;
    success: boolean;
    results: ActionPodResult[];
    error?: { code: string; message: string };
  }>;
}

/** Body of POST …/pods/{pod}/debug (verb `debug`). Unknown fields are refused. */
export interface DebugRequest {
  /** The container whose process namespace the debug container joins; the pod's first by default. */
  target?: string;
  /** One of the configured `debug.images`; the first by default. */
  image?: string;
}

/** 201 answer of POST …/pods/{pod}/debug: the running ephemeral container to attach to. */
export interface DebugResult {
  container: string;
}

/** 201 answer of PUT …/pods/{pod}/files (verb `files`). */
export interface FileUploadResult {
  path: string;
  bytes: number;
  sha256: string;
}

/** One live terminal session, as GET /api/sessions lists it. */
export interface SessionSummaryItem {
  id: string;
  user: string;
  cluster: string;
  namespace: string;
  pod: string;
  container: string;
  /** ISO 8601. */
  startedAt: string;
  shared: boolean;
}

export interface SessionList {
  items: SessionSummaryItem[];
}

/** One recording as GET /api/recordings lists it (the gateway's sidecar metadata). */
export interface RecordingItem {
  id: string;
  user: string;
  cluster: string;
  namespace: string;
  pod: string;
  /** Unset when the session ran in the pod's default container. */
  container?: string;
  command: string[];
  /** ISO 8601. */
  startedAt: string;
  endedAt?: string;
}

export interface RecordingList {
  items: RecordingItem[];
}
