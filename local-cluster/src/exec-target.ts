// The pod and container an exec names, checked as the API server checks them
// before it connects: asked by the exec upgrade and by a plain request alike.
import type { LocalPodRuntime } from './pods.js';
import { failureStatus, notFound, type Status } from './status.js';

/** The checks of pod and container the API server makes before it connects (strategy.go streamLocation). */
export function validateExec(
  pods: ReadonlyMap<string, LocalPodRuntime>,
  namespace: string,
  podName: string,
  params: URLSearchParams,
): { pod: LocalPodRuntime; container: string } | Status {
  const pod = pods.get(`${namespace}/${podName}`);
  if (pod === undefined) return notFound('pods', podName);
  let container = params.get('container') ?? '';
  if (container === '') {
    if (pod.spec.containers.length > 1) {
      // Every container is offered, ephemeral ones included (podutil.VisitContainers).
      return failureStatus(
        400,
        `a container name must be specified for pod ${podName}, choose one of: [${pod.containerNames().join(' ')}]`,
      );
    }
    container = pod.spec.containers[0]!.name;
  }
  if (!pod.containerNames().includes(container)) return failureStatus(400, `container ${container} is not valid for pod ${podName}`);
  return { pod, container };
}
