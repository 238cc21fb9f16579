// The debug images the local cluster can "run" in an ephemeral container:
// well-known shell images, mapped to the local shell that stands in for them.
// Any other image stays waiting with ErrImagePull, as a runtime that cannot
// pull it would leave it.

/** spec.ephemeralContainers[i] as stored (the fields the local cluster reads; the rest is kept as sent). */
export interface EphemeralContainer {
  name: string;
  image?: string;
  command?: string[];
  args?: string[];
  env?: Array<{ name: string; value?: string }>;
  stdin?: boolean;
  tty?: boolean;
  targetContainerName?: string;
  [field: string]: unknown;
}

const IMAGES: Array<{ pattern: RegExp; command: string[] }> = [
  { pattern: /^(docker\.io\/)?(library\/)?(busybox|alpine)(:[^/]*)?(@sha256:[0-9a-f]{64})?$/, command: ['sh'] },
  { pattern: /^(docker\.io\/)?nicolaka\/netshoot(:[^/]*)?(@sha256:[0-9a-f]{64})?$/, command: ['bash'] },
  { pattern: /^(docker\.io\/)?(library\/)?(ubuntu|debian)(:[^/]*)?(@sha256:[0-9a-f]{64})?$/, command: ['bash'] },
];

/** The image's default command as a local program, or undefined when the local cluster cannot run it. */
export function debugImageCommand(image: string): string[] | undefined {
  return IMAGES.find((i) => i.pattern.test(image))?.command;
}
