// Kubernetes Status objects as the kubelet writes them: HTTP errors, and the exit status of an exec
// on the error channel (kubectl turns NonZeroExitCode into its own exit code).

const reasons: Record<number, string> = { 400: 'BadRequest', 401: 'Unauthorized', 403: 'Forbidden', 404: 'NotFound', 405: 'MethodNotAllowed', 409: 'Conflict', 500: 'InternalError', 503: 'ServiceUnavailable' };

export interface StatusObject {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Success' | 'Failure';
  message?: string;
  reason?: string;
  code?: number;
  details?: { causes?: { reason: string; message: string }[] };
}

export function failureStatus(code: number, message: string): StatusObject {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason: reasons[code] ?? 'InternalError', code };
}

/** What the error channel carries when a command ends: Success, or NonZeroExitCode with the code as a cause. */
export function exitStatus(command: string[], exitCode: number): StatusObject {
  if (exitCode === 0) return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success' };
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: error executing command [${command.join(' ')}], exit code ${exitCode}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(exitCode) }] },
  };
}

/** A failure that is not an exit code (the command could not start...), for the error channel. */
export function internalErrorStatus(message: string): StatusObject {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason: 'InternalError', code: 500 };
}
