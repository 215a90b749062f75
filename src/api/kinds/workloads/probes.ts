// Health checks and lifecycle hooks: probe handlers (exec, HTTP GET, TCP, gRPC), probe timings,
// and postStart/preStop handlers (which also offer sleep).

import { enumOf, int32, int64, intOrString, listOf, str, struct } from '../../schema.js';
import { coreName as core } from './refs.js';

export const execAction = struct(core('ExecAction'), 'Runs a command inside the container; exit status 0 means success.', {
  command: listOf(str(), 'Command line to exec (not run in a shell), working directory "/".'),
});

export const httpHeader = struct(
  core('HTTPHeader'),
  'A header sent with an HTTP probe.',
  {
    name: str('Header name (case-insensitive).'),
    value: str('Header value.'),
  },
  { required: ['name', 'value'] },
);

export const httpGetAction = struct(
  core('HTTPGetAction'),
  'An HTTP GET request; a 2xx or 3xx answer means success.',
  {
    path: str('Path to request.', { default: '/' }),
    port: intOrString('Port number (1-65535) or name of a container port.'),
    host: str('Host to connect to; defaults to the pod IP. Prefer a Host header.'),
    scheme: enumOf(['HTTP', 'HTTPS'], 'Scheme to connect with.', { default: 'HTTP' }),
    httpHeaders: listOf(httpHeader, 'Extra request headers; repeats are allowed.'),
  },
  { required: ['port'] },
);

export const tcpSocketAction = struct(
  core('TCPSocketAction'),
  'Opens a TCP connection; connecting means success.',
  {
    port: intOrString('Port number (1-65535) or name of a container port.'),
    host: str('Host to connect to; defaults to the pod IP.'),
  },
  { required: ['port'] },
);

export const grpcAction = struct(
  core('GRPCAction'),
  'Calls the gRPC health checking protocol.',
  {
    port: int32('Port of the gRPC service (1-65535).'),
    service: str("Service name to put in the HealthCheckRequest; empty means the server's default.", { default: '' }),
  },
  { required: ['port'] },
);

export const sleepAction = struct(
  core('SleepAction'),
  'Pauses for a number of seconds.',
  {
    seconds: int64('Seconds to sleep.'),
  },
  { required: ['seconds'] },
);

export const probe = struct(core('Probe'), 'A periodic check of a container; exactly one handler (exec, httpGet, tcpSocket, grpc) is set.', {
  exec: execAction,
  httpGet: httpGetAction,
  tcpSocket: tcpSocketAction,
  grpc: grpcAction,
  initialDelaySeconds: int32('Seconds after the container starts before the first probe.'),
  timeoutSeconds: int32('Seconds before a probe attempt times out (minimum 1).', { default: 1 }),
  periodSeconds: int32('Seconds between probes (minimum 1).', { default: 10 }),
  successThreshold: int32('Consecutive successes needed after a failure; must be 1 for liveness and startup.', { default: 1 }),
  failureThreshold: int32('Consecutive failures before the probe counts as failed.', { default: 3 }),
  terminationGracePeriodSeconds: int64("Grace period used when this probe's failure kills the container; overrides the pod's."),
});

export const lifecycleHandler = struct(core('LifecycleHandler'), 'An action run at a container lifecycle event; exactly one of exec, httpGet or sleep.', {
  exec: execAction,
  httpGet: httpGetAction,
  tcpSocket: tcpSocketAction,
  sleep: sleepAction,
});

export const lifecycle = struct(core('Lifecycle'), 'Hooks run after a container starts and before it is stopped.', {
  postStart: lifecycleHandler,
  preStop: lifecycleHandler,
});

/** Used by resize policies. */
export const containerResizePolicy = struct(
  core('ContainerResizePolicy'),
  'Whether resizing a resource in place needs a container restart.',
  {
    resourceName: str('Resource the policy applies to: cpu or memory.'),
    restartPolicy: str('NotRequired or RestartContainer.'),
  },
  { required: ['resourceName', 'restartPolicy'] },
);
