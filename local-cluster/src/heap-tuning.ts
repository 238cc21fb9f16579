// One V8 setting for `npm run local-cluster`, the same the gateway makes
// (server/heap-tuning.ts says why at length): exec output arrives as Buffers
// whose bytes V8 counts against the old generation's limit while they are
// young, and a limit fitted to a small, quiet heap turns each burst of them
// into a full collection on the CPU the stream needs. A growing factor of 4
// leaves room for the burst.
import { setFlagsFromString } from 'node:v8';

const HEAP_GROWING_PERCENT = 300;

/** Call once at process start, before serving; it applies to the whole process. */
export function tuneHeapForStreaming(): void {
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
}
