// seccomp profiles for containers, as OCI `linux.seccomp`: RuntimeDefault is an allowlist in the
// spirit of containerd's default profile (everything an ordinary program needs; namespace, mount,
// module, keyring, clock, reboot, BPF and tracing calls only with the capability that governs them;
// everything else fails with EPERM), Localhost is a JSON file under the agent's seccomp directory,
// Unconfined is no filter. Kubernetes' default when a pod names no profile is Unconfined.

import { closeSync, constants, fstatSync, openSync, readFileSync } from 'node:fs';

type Syscall = { names: string[]; action: string; errnoRet?: number; args?: { index: number; value: number; valueTwo?: number; op: string }[] };
export interface OciSeccomp {
  defaultAction: string;
  defaultErrnoRet?: number;
  architectures?: string[];
  flags?: string[];
  syscalls?: Syscall[];
}

const EPERM = 1;
const ENOSYS = 38;

/** Calls any container may make: I/O, memory, processes, signals, sockets, time reading, identity. */
const ALLOWED = `accept accept4 access adjtimex alarm bind brk cachestat capget capset chdir chmod chown chown32 clock_adjtime
clock_adjtime64 clock_getres clock_getres_time64 clock_gettime clock_gettime64 clock_nanosleep clock_nanosleep_time64 close
close_range connect copy_file_range creat dup dup2 dup3 epoll_create epoll_create1 epoll_ctl epoll_ctl_old epoll_pwait
epoll_pwait2 epoll_wait epoll_wait_old eventfd eventfd2 execve execveat exit exit_group faccessat faccessat2 fadvise64
fadvise64_64 fallocate fanotify_mark fchdir fchmod fchmodat fchmodat2 fchown fchown32 fchownat fcntl fcntl64 fdatasync
fgetxattr flistxattr flock fork fremovexattr fsetxattr fstat fstat64 fstatat64 fstatfs fstatfs64 fsync ftruncate ftruncate64
futex futex_requeue futex_time64 futex_wait futex_waitv futex_wake futimesat get_mempolicy get_robust_list get_thread_area
getcpu getcwd getdents getdents64 getegid getegid32 geteuid geteuid32 getgid getgid32 getgroups getgroups32 getitimer
getpeername getpgid getpgrp getpid getppid getpriority getrandom getresgid getresgid32 getresuid getresuid32 getrlimit
getrusage getsid getsockname getsockopt gettid gettimeofday getuid getuid32 getxattr inotify_add_watch inotify_init
inotify_init1 inotify_rm_watch io_cancel io_destroy io_getevents io_pgetevents io_pgetevents_time64 io_setup io_submit ioctl
ioprio_get ioprio_set ipc kill landlock_add_rule landlock_create_ruleset landlock_restrict_self lchown lchown32 lgetxattr
link linkat listen listxattr llistxattr _llseek lremovexattr lseek lsetxattr lstat lstat64 madvise map_shadow_stack
membarrier memfd_create memfd_secret mincore mkdir mkdirat mknod mknodat mlock mlock2 mlockall mmap mmap2 mprotect
mq_getsetattr mq_notify mq_open mq_timedreceive mq_timedreceive_time64 mq_timedsend mq_timedsend_time64 mq_unlink mremap
msgctl msgget msgrcv msgsnd msync munlock munlockall munmap name_to_handle_at nanosleep newfstatat _newselect open openat
openat2 pause pidfd_open pidfd_send_signal pipe pipe2 pkey_alloc pkey_free pkey_mprotect poll ppoll ppoll_time64 prctl
pread64 preadv preadv2 prlimit64 process_mrelease pselect6 pselect6_time64 pwrite64 pwritev pwritev2 read readahead
readlink readlinkat readv recv recvfrom recvmmsg recvmmsg_time64 recvmsg remap_file_pages removexattr rename renameat
renameat2 restart_syscall rmdir rseq rt_sigaction rt_sigpending rt_sigprocmask rt_sigqueueinfo rt_sigreturn rt_sigsuspend
rt_sigtimedwait rt_sigtimedwait_time64 rt_tgsigqueueinfo sched_get_priority_max sched_get_priority_min sched_getaffinity
sched_getattr sched_getparam sched_getscheduler sched_rr_get_interval sched_rr_get_interval_time64 sched_setaffinity
sched_setattr sched_setparam sched_setscheduler sched_yield seccomp select semctl semget semop semtimedop
semtimedop_time64 send sendfile sendfile64 sendmmsg sendmsg sendto set_robust_list set_thread_area set_tid_address
setfsgid setfsgid32 setfsuid setfsuid32 setgid setgid32 setgroups setgroups32 setitimer setpgid setpriority setregid
setregid32 setresgid setresgid32 setresuid setresuid32 setreuid setreuid32 setrlimit setsid setsockopt setuid setuid32
setxattr shmat shmctl shmdt shmget shutdown sigaltstack signalfd signalfd4 sigprocmask sigreturn socketcall socketpair
splice stat stat64 statfs statfs64 statx symlink symlinkat sync sync_file_range syncfs sysinfo tee tgkill time timer_create
timer_delete timer_getoverrun timer_gettime timer_gettime64 timer_settime timer_settime64 timerfd_create timerfd_gettime
timerfd_gettime64 timerfd_settime timerfd_settime64 times tkill truncate truncate64 ugetrlimit umask uname unlink unlinkat
utime utimensat utimensat_time64 utimes vfork vmsplice wait4 waitid waitpid write writev`.split(/\s+/);

/** Calls governed by a capability: allowed only when the container holds it. */
const BY_CAPABILITY: Record<string, string[]> = {
  CAP_DAC_READ_SEARCH: ['open_by_handle_at'],
  CAP_SYS_ADMIN: ['bpf', 'clone', 'clone3', 'fanotify_init', 'fsconfig', 'fsmount', 'fsopen', 'fspick', 'lookup_dcookie', 'mount', 'mount_setattr', 'move_mount', 'open_tree', 'perf_event_open', 'quotactl', 'quotactl_fd', 'setdomainname', 'sethostname', 'setns', 'syslog', 'umount', 'umount2', 'unshare'],
  CAP_SYS_BOOT: ['reboot'],
  CAP_SYS_CHROOT: ['chroot'],
  CAP_SYS_MODULE: ['delete_module', 'init_module', 'finit_module'],
  CAP_SYS_PACCT: ['acct'],
  CAP_SYS_PTRACE: ['kcmp', 'pidfd_getfd', 'process_madvise', 'process_vm_readv', 'process_vm_writev', 'ptrace'],
  CAP_SYS_RAWIO: ['iopl', 'ioperm'],
  CAP_SYS_TIME: ['settimeofday', 'stime', 'clock_settime', 'clock_settime64'],
  CAP_SYS_TTY_CONFIG: ['vhangup'],
  CAP_SYS_NICE: ['get_mempolicy', 'mbind', 'set_mempolicy', 'set_mempolicy_home_node'],
  CAP_SYSLOG: ['syslog'],
  CAP_BPF: ['bpf'],
  CAP_PERFMON: ['perf_event_open'],
};

/** Namespace-creating clone flags (NEWNS|NEWCGROUP|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET): plain clone() only without them. */
const CLONE_NS_FLAGS = 0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000 | 0x20000000 | 0x40000000;

function architectures(): string[] {
  switch (process.arch) {
    case 'x64':
      return ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'];
    case 'arm64':
      return ['SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM'];
    case 'arm':
      return ['SCMP_ARCH_ARM'];
    case 's390x':
      return ['SCMP_ARCH_S390X', 'SCMP_ARCH_S390'];
    default:
      return [];
  }
}

/** The RuntimeDefault profile for a container holding caps. */
export function defaultProfile(caps: string[]): OciSeccomp {
  const syscalls: Syscall[] = [{ names: ALLOWED, action: 'SCMP_ACT_ALLOW' }];
  // personality(): only the harmless personas (Linux, and the 32-bit / query variants).
  for (const v of [0x0, 0x0008, 0x20000, 0x20008, 0xffffffff]) syscalls.push({ names: ['personality'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: v, op: 'SCMP_CMP_EQ' }] });
  if (process.arch === 'x64') syscalls.push({ names: ['arch_prctl', 'modify_ldt'], action: 'SCMP_ACT_ALLOW' });
  if (process.arch === 'arm64' || process.arch === 'arm') syscalls.push({ names: ['arm_fadvise64_64', 'arm_sync_file_range', 'sync_file_range2', 'breakpoint', 'cacheflush', 'set_tls'], action: 'SCMP_ACT_ALLOW' });
  // socket(): every family but AF_VSOCK (40), as containerd.
  syscalls.push({ names: ['socket'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 40, op: 'SCMP_CMP_NE' }] });
  const admin = caps.includes('CAP_SYS_ADMIN');
  const byCap = new Set<string>();
  for (const c of caps) for (const n of BY_CAPABILITY[c] ?? []) byCap.add(n);
  if (byCap.size) syscalls.push({ names: [...byCap].sort(), action: 'SCMP_ACT_ALLOW' });
  if (!admin) {
    syscalls.push({ names: ['clone'], action: 'SCMP_ACT_ALLOW', args: [{ index: process.arch === 's390x' ? 1 : 0, value: CLONE_NS_FLAGS, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }] });
    // clone3 passes its flags in memory a filter cannot read: ENOSYS makes libc fall back to clone().
    syscalls.push({ names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: ENOSYS });
  }
  return { defaultAction: 'SCMP_ACT_ERRNO', defaultErrnoRet: EPERM, architectures: architectures(), syscalls };
}

const ACTIONS = new Set(['SCMP_ACT_KILL', 'SCMP_ACT_KILL_PROCESS', 'SCMP_ACT_KILL_THREAD', 'SCMP_ACT_TRAP', 'SCMP_ACT_ERRNO', 'SCMP_ACT_TRACE', 'SCMP_ACT_ALLOW', 'SCMP_ACT_LOG']);
const OPS = new Set(['SCMP_CMP_NE', 'SCMP_CMP_LT', 'SCMP_CMP_LE', 'SCMP_CMP_EQ', 'SCMP_CMP_GE', 'SCMP_CMP_GT', 'SCMP_CMP_MASKED_EQ']);

/**
 * A Localhost profile: a file named relative to root (the agent's seccomp directory), opened
 * without following symlinks in its last component and refused outside root. Docker/OCI JSON
 * (defaultAction, architectures or archMap, syscalls with names or name) is checked and converted.
 */
export function loadLocalhostProfile(root: string, name: string): OciSeccomp {
  if (!name || name.startsWith('/') || name.split('/').some((c) => c === '..' || c === '') || name.includes('\0')) {
    throw new Error(`seccomp profile "${name}" must be a relative path inside the node's seccomp directory, without ".."`);
  }
  let text: string;
  try {
    const fd = openSync(`${root}/${name}`, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    try {
      const st = fstatSync(fd);
      if (!st.isFile() || st.size > 1 << 20) throw new Error('not a regular file under 1 MiB');
      text = readFileSync(fd, 'utf8');
    } finally {
      closeSync(fd);
    }
  } catch (e) {
    throw new Error(`failed to load seccomp profile "${name}" from the node's seccomp directory: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(text) as Record<string, unknown>;
  } catch (e) {
    throw new Error(`seccomp profile "${name}" is not valid JSON: ${(e as Error).message}`);
  }
  return checkProfile(raw, name);
}

function checkProfile(raw: Record<string, unknown>, name: string): OciSeccomp {
  const bad = (why: string) => new Error(`seccomp profile "${name}": ${why}`);
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw bad('must be a JSON object');
  const action = (a: unknown, where: string) => {
    if (typeof a !== 'string' || !ACTIONS.has(a)) throw bad(`${where}: unknown action ${JSON.stringify(a)}`);
    return a;
  };
  const out: OciSeccomp = { defaultAction: action(raw.defaultAction, 'defaultAction') };
  if (typeof raw.defaultErrnoRet === 'number') out.defaultErrnoRet = raw.defaultErrnoRet;
  const arches = new Set<string>();
  for (const a of (raw.architectures as unknown[]) ?? []) if (typeof a === 'string') arches.add(a);
  for (const m of (raw.archMap as { architecture?: string; subArchitectures?: string[] }[]) ?? []) {
    if (m.architecture) arches.add(m.architecture);
    for (const s of m.subArchitectures ?? []) arches.add(s);
  }
  if (arches.size) out.architectures = [...arches];
  for (const f of ['includes', 'excludes', 'listenerPath', 'listenerMetadata']) {
    if (raw[f] !== undefined) throw bad(`"${f}" is not supported by this node`);
  }
  if (raw.flags !== undefined) {
    if (!Array.isArray(raw.flags) || raw.flags.some((f) => typeof f !== 'string' || !/^SECCOMP_FILTER_FLAG_[A-Z_]+$/.test(f))) throw bad('flags must be SECCOMP_FILTER_FLAG_ names');
    out.flags = raw.flags as string[];
  }
  const calls = raw.syscalls ?? [];
  if (!Array.isArray(calls)) throw bad('syscalls must be a list');
  out.syscalls = calls.map((s: Record<string, unknown>, i) => {
    const names = Array.isArray(s.names) ? s.names : typeof s.name === 'string' ? [s.name] : [];
    if (!names.length || names.some((n) => typeof n !== 'string' || !/^[a-z0-9_]+$/.test(n))) throw bad(`syscalls[${i}]: names must be syscall names`);
    for (const f of ['includes', 'excludes']) if (s[f] && Object.keys(s[f] as object).length) throw bad(`syscalls[${i}].${f} is not supported by this node`);
    const call: Syscall = { names: names as string[], action: action(s.action, `syscalls[${i}].action`) };
    if (typeof s.errnoRet === 'number') call.errnoRet = s.errnoRet;
    if (Array.isArray(s.args) && s.args.length) {
      call.args = s.args.map((a: Record<string, unknown>, j) => {
        if (typeof a.index !== 'number' || typeof a.value !== 'number' || typeof a.op !== 'string' || !OPS.has(a.op)) throw bad(`syscalls[${i}].args[${j}]: needs index, value and a SCMP_CMP_ op`);
        return { index: a.index, value: a.value, ...(typeof a.valueTwo === 'number' ? { valueTwo: a.valueTwo } : {}), op: a.op };
      });
    }
    return call;
  });
  return out;
}
