// The service definitions `gifee service install` writes: a systemd unit shaped like k3s' (the
// containers outlive a restart of gifee: KillMode=process; gifee manages its own cgroups:
// Delegate=yes; no limits on files, processes or tasks), its environment file holding the flags,
// and an OpenRC script for machines whose init is OpenRC.

export interface ServiceSpec {
  /** up, server or agent. */
  command: 'up' | 'server' | 'agent';
  /** The flags given to the command, already checked against its flag table. */
  flags: string[];
  /** The node binary and the gifee entry script, absolute. */
  node: string;
  entry: string;
  /** Where the environment file lives (it is read by the unit). */
  envFile: string;
}

export const SYSTEMD_UNIT_PATH = '/etc/systemd/system/gifee.service';
export const SYSTEMD_ENV_PATH = '/etc/systemd/system/gifee.service.env';
export const OPENRC_SCRIPT_PATH = '/etc/init.d/gifee';

/** Flags go into a one-line environment variable split on whitespace: refuse what would not survive that. */
export function unsafeFlag(flags: string[]): string | undefined {
  return flags.find((f) => /[\s"'\\$`]/.test(f) || f.length === 0);
}

export function systemdUnit(s: ServiceSpec): string {
  return `[Unit]
Description=gifee: a Kubernetes-compatible cluster (gifee ${s.command})
Documentation=file://${s.entry.replace(/\/dist\/src\/cli\/main\.js$|\/bin\/gifee\.js$/, '')}/README.md
Wants=network-online.target
After=network-online.target

[Service]
Type=simple
EnvironmentFile=-${s.envFile}
ExecStartPre=-/sbin/modprobe br_netfilter
ExecStartPre=-/sbin/modprobe overlay
ExecStartPre=-/sbin/modprobe loop
ExecStart=${s.node} ${s.entry} ${s.command} $GIFEE_FLAGS
# Containers are gifee's children but must outlive a restart of it (they are re-adopted).
KillMode=process
Delegate=yes
LimitNOFILE=1048576
LimitNPROC=infinity
LimitCORE=infinity
TasksMax=infinity
TimeoutStartSec=0
TimeoutStopSec=30s
Restart=always
RestartSec=5s

[Install]
WantedBy=multi-user.target
`;
}

export function environmentFile(s: ServiceSpec): string {
  return `# Flags of \`gifee ${s.command}\`, written by \`gifee service install\`; edit, then: systemctl restart gifee
GIFEE_FLAGS="${s.flags.join(' ')}"
`;
}

export function openrcScript(s: ServiceSpec): string {
  return `#!/sbin/openrc-run
# gifee ${s.command}, written by \`gifee service install\`.
description="gifee: a Kubernetes-compatible cluster"
command="${s.node}"
command_args="${s.entry} ${s.command} ${s.flags.join(' ')}"
command_background=true
pidfile="/run/gifee.pid"
output_log="/var/log/gifee.log"
error_log="/var/log/gifee.log"
rc_ulimit="-n 1048576 -u unlimited"
# Stop only gifee itself: its containers outlive it and are re-adopted at the next start.
supervisor=supervise-daemon
respawn_delay=5

depend() {
  need net
  after firewall
}
`;
}
