// What the `gifee` command prints when a command fails with an error it did not expect: the error's
// message and, for the failures people meet (a missing permission, a full disk, a missing program, a
// port in use, nothing listening), what to do about it — instead of a stack trace. The stack is for
// developers: printed with --verbose or GIFEE_LOG=debug.

export interface Explained {
  /** The first line: "gifee up: <what failed>". */
  message: string;
  /** What to do, when the error is one we know. */
  hint?: string;
}

type Errno = NodeJS.ErrnoException & { address?: string; port?: number };

/** Explains an error of `gifee COMMAND` (command may be undefined for the bare `gifee`). */
export function explainError(e: unknown, command: string | undefined): Explained {
  const who = command ? `gifee ${command}` : 'gifee';
  if (!(e instanceof Error)) return { message: `${who}: ${String(e)}` };
  const err = e as Errno;
  const message = `${who}: ${err.message}`;
  const path = err.path ? ` ${err.path}` : '';
  switch (err.code) {
    case 'EACCES':
    case 'EPERM':
      if (err.syscall === 'listen' || err.syscall === 'bind') return { message, hint: 'ports below 1024 need root: run with sudo, or pass --port above 1023' };
      return {
        message,
        hint: `gifee has no permission for${path || ' a file it needs'}: run it as root (sudo gifee ${command ?? ''}) for real containers and networking, or give a --data-dir you own`.replace(/ +\)/, ')'),
      };
    case 'ENOSPC':
      return { message, hint: `the disk${path ? ` holding${path}` : ''} is full (space or inodes): free some space (old images: gifee images rm), then start again; gifee doctor shows disk and inode use` };
    case 'EDQUOT':
      return { message, hint: 'your disk quota is used up: free some space, or give a --data-dir on another disk' };
    case 'EROFS':
      return { message, hint: `${path.trim() || 'the path'} is on a read-only file system: give a --data-dir on a writable one` };
    case 'EMFILE':
    case 'ENFILE':
      return { message, hint: 'too many open files: raise the limit (ulimit -n 1048576, or LimitNOFILE in the service unit gifee service install writes)' };
    case 'EADDRINUSE':
      return { message, hint: `${err.port ? `port ${err.port}` : 'a port gifee needs'} is in use: stop the other program (ss -ltnp shows which), or pass another --port` };
    case 'ECONNREFUSED':
      return { message, hint: `nothing answers at ${err.address ?? 'the server'}${err.port ? `:${err.port}` : ''}: is gifee running? (gifee up, or systemctl status gifee for the service)` };
    case 'ENOENT':
      if (err.syscall?.startsWith('spawn')) return { message, hint: `${err.path ?? 'a program gifee runs'} is not installed or not on the PATH: gifee doctor says what is missing and which package has it` };
      return { message, hint: `${path.trim() || 'a file'} does not exist: check the path you gave` };
    case 'ENOTDIR':
    case 'EISDIR':
      return { message, hint: `${path.trim() || 'a path'} is not what gifee expected: check --data-dir and the paths you gave` };
    default:
      return { message };
  }
}

/** The lines to print on stderr (the stack only when asked). */
export function errorLines(e: unknown, command: string | undefined, withStack: boolean): string {
  const { message, hint } = explainError(e, command);
  const lines = [message];
  if (hint) lines.push(`  what to do: ${hint}`);
  if (withStack && e instanceof Error && e.stack) lines.push(e.stack);
  else if (!hint) lines.push('  (run with --verbose or GIFEE_LOG=debug for the stack trace; gifee doctor checks this machine)');
  return `${lines.join('\n')}\n`;
}
