// One V8 setting for the processes that stream: the gateway, the local cluster.
//
// Every socket read and every websocket frame is a Buffer whose bytes live
// outside the JS heap, and V8 counts those bytes, while they are young,
// against the old generation's limit: up to 32 MiB of them are in flight
// between two scavenges. Once V8 has timed a full collection, it sets that
// limit from how slowly the old generation itself grows: 1.1× the live heap
// plus about 9 MiB for a quiet, small heap (after a slow reader, say). From
// then on each surge of young buffers starts a full collection, dozens per
// GiB streamed, on the CPU the stream needs (the local cluster: 2.5–3.7 ms
// per MiB in that state, 1.3–1.6 out of it; docs/performance.md). A fixed
// factor of 4, the one V8 itself picks for a heap that allocates fast, leaves
// room for that surge above any live heap of 11 MiB or more.
import { setFlagsFromString } from 'node:v8';

const HEAP_GROWING_PERCENT = 300;

/** Call once at process start, before serving; it applies to the whole process. */
export function tuneHeapForStreaming(): void {
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
}
