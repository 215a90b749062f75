// Whether a process id names a live process (signal 0: nothing is sent). A process we may not
// signal (EPERM) exists all the same.

export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
