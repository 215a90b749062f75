// Kubernetes' remote command channel protocol over WebSockets: every binary message starts with one
// byte naming its channel. v4 puts a Status JSON on the error channel; v5 adds a close message (255)
// so a client can end stdin without closing the socket (what `kubectl cp` into a pod needs).

export const STDIN = 0;
export const STDOUT = 1;
export const STDERR = 2;
export const ERROR = 3;
export const RESIZE = 4;
export const CLOSE = 255;

/** Sub-protocols we speak, most preferred first. */
export const CHANNEL_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io', 'v3.channel.k8s.io', 'v2.channel.k8s.io', 'channel.k8s.io'] as const;
export type ChannelProtocol = (typeof CHANNEL_PROTOCOLS)[number] | '';

/** The protocol to answer a client offering these; '' (the base channel protocol) when it offered none; false when none fits. */
export function pickChannelProtocol(offered: Set<string>): ChannelProtocol | false {
  if (offered.size === 0) return '';
  for (const p of CHANNEL_PROTOCOLS) if (offered.has(p)) return p;
  return false;
}

/** v4 and later carry a Status JSON on the error channel; older ones a plain message. */
export const statusOnErrorChannel = (p: ChannelProtocol) => p === 'v4.channel.k8s.io' || p === 'v5.channel.k8s.io';
export const supportsClose = (p: ChannelProtocol) => p === 'v5.channel.k8s.io';

export function frame(channel: number, data: Buffer | string): Buffer {
  const body = typeof data === 'string' ? Buffer.from(data) : data;
  const b = Buffer.allocUnsafe(body.length + 1);
  b[0] = channel;
  body.copy(b, 1);
  return b;
}

/** A resize message: {"Width": cols, "Height": rows}. */
export function parseResize(payload: Buffer): { cols: number; rows: number } | undefined {
  try {
    const v = JSON.parse(payload.toString('utf8')) as { Width?: number; Height?: number };
    if (typeof v.Width === 'number' && typeof v.Height === 'number') return { cols: v.Width, rows: v.Height };
  } catch {
    /* ignore a bad resize, as the kubelet does */
  }
  return undefined;
}
