// What a request points at: a pod of a cluster, and what runs in it. Every
// endpoint, the policy, the audit log and the recordings name it this way.

/** A namespace of a cluster: what the policy decides on. */
export interface NamespaceTarget {
  cluster: string;
  namespace: string;
}

/** A pod of a cluster, as the URL of every pod endpoint names it. */
export interface PodTarget extends NamespaceTarget {
  pod: string;
}

/** A command in a pod's container. */
export interface ExecTarget extends PodTarget {
  /** The pod's default container when unset. */
  container?: string;
  command: readonly string[];
  tty: boolean;
}

/** The exec streams asked of the API server; stderr is merged into a TTY by the runtime. */
export interface ExecStreams {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
}
