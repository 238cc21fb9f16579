// The Kubernetes exec channel subprotocols (k8s.io/apimachinery/pkg/util/remotecommand): one
// table for the gateway's dial, the kubectl relay and the local cluster.

export const ChannelProtocol = {
  V5: 'v5.channel.k8s.io',
  V4: 'v4.channel.k8s.io',
  V4Base64: 'v4.base64.channel.k8s.io',
  V1: 'channel.k8s.io',
  V1Base64: 'base64.channel.k8s.io',
} as const;
export type ChannelProtocol = (typeof ChannelProtocol)[keyof typeof ChannelProtocol];

export interface ChannelProtocolTraits {
  /** Frames are text: the channel as an ASCII digit, then base64. */
  readonly base64: boolean;
  /** Channel 3 carries a metav1.Status document (v4 and v5); older ones send plain text on failure. */
  readonly jsonStatus: boolean;
  /** The client may send `[255, channel]` to close one channel (stdin EOF). */
  readonly closeSignal: boolean;
}

export const channelProtocols: Readonly<Record<ChannelProtocol, ChannelProtocolTraits>> = {
  [ChannelProtocol.V5]: { base64: false, jsonStatus: true, closeSignal: true },
  [ChannelProtocol.V4]: { base64: false, jsonStatus: true, closeSignal: false },
  [ChannelProtocol.V4Base64]: { base64: true, jsonStatus: true, closeSignal: false },
  [ChannelProtocol.V1]: { base64: false, jsonStatus: false, closeSignal: false },
  [ChannelProtocol.V1Base64]: { base64: true, jsonStatus: false, closeSignal: false },
};

/**
 * What the gateway offers an API server for its own sessions: v5 where the
 * server has it (its stream translator takes v5 wherever it stands in the
 * offer), else v4 (the kubelet takes the client's first supported offer).
 */
export const UPSTREAM_PROTOCOLS: readonly ChannelProtocol[] = [ChannelProtocol.V5, ChannelProtocol.V4];

export function isChannelProtocol(name: string): name is ChannelProtocol {
  return Object.hasOwn(channelProtocols, name);
}
