// The agent URL a pod stream request maps to: kubectl's query parameters pass through (the agent
// accepts kubectl's stdin/stdout/stderr spelling), except container, which moves into the path.

const enc = encodeURIComponent;

const LOG_PARAMS = ['follow', 'previous', 'timestamps', 'tailLines', 'sinceSeconds', 'sinceTime', 'limitBytes'];

export function agentPath(kind: 'containerLogs' | 'exec' | 'attach' | 'portForward', namespace: string, pod: string, container: string | undefined, query: URLSearchParams): string {
  const q = new URLSearchParams();
  for (const [k, v] of query) {
    if (k === 'container') continue;
    if (kind === 'containerLogs' && !LOG_PARAMS.includes(k)) continue;
    q.append(k, v);
  }
  const path = `/${kind}/${enc(namespace)}/${enc(pod)}${container !== undefined ? `/${enc(container)}` : ''}`;
  const qs = q.toString();
  return qs ? `${path}?${qs}` : path;
}
