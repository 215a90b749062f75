import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseFlags, UsageError } from './args.js';
import { helpOfCommand, optionsOfCommand, serverConfigOf } from './commands.js';

const commands = ['up', 'server', 'agent'] as const;

/** The flags a help text lists: the names at the start of its flag lines. */
function helpFlags(help: string): string[] {
  return [...help.matchAll(/^ {2}(?:-\w, )?--([a-z][a-z-]*)/gm)].map((m) => m[1]);
}

// Every flag these commands accepted before their flags were declared in tables.
const SERVER_SIDE = ['data-dir', 'port', 'bind-address', 'kubeconfig', 'store', 'etcd-endpoints', 'compaction-interval', 'no-controllers', 'no-agent', 'tls-san', 'service-cidr', 'service-node-port-range', 'cluster-cidr', 'lb-ip-range'];
const LIMITS = ['request-timeout', 'max-requests-inflight', 'max-mutating-requests-inflight', 'max-connections', 'max-connections-per-ip', 'header-timeout', 'body-timeout', 'idle-timeout'];
const OIDC_AUDIT = ['oidc-issuer-url', 'oidc-client-id', 'oidc-username-claim', 'oidc-username-prefix', 'oidc-groups-claim', 'oidc-groups-prefix', 'oidc-ca-file', 'oidc-required-claim', 'oidc-signing-algs', 'audit-policy-file', 'audit-log-path', 'audit-log-maxsize', 'audit-log-maxbackup', 'audit-log-maxage'];
const AGENT = [
  'node-name',
  'node-ip',
  'kubelet-port',
  'bridge',
  'cluster-dns',
  'runtime',
  'pod-max-pids',
  'eviction-hard',
  'eviction-soft',
  'eviction-soft-grace-period',
  'eviction-max-pod-grace-period',
  'eviction-pressure-transition-period',
  'kubelet-dir',
  'image-gc-high-threshold',
  'image-gc-low-threshold',
  'image-minimum-gc-age',
  'node-lease-duration-seconds',
  'ingress-http-port',
  'ingress-https-port',
  'ingress-bind-address',
  'kubelet-max-connections',
  'kubelet-max-connections-per-ip',
  'kubelet-header-timeout',
  'kubelet-body-timeout',
  'kubelet-idle-timeout',
];
const SERVICE_ACCOUNTS = ['service-account-issuer', 'api-audiences'];
const AT_REST_AND_ADMISSION = ['encryption-provider-config', 'pod-security-admission-config-file'];
const AUTHZ = ['anonymous-auth', 'authorization-mode'];
const AGGREGATION = ['requestheader-client-ca-file', 'requestheader-allowed-names', 'requestheader-username-headers', 'requestheader-group-headers', 'requestheader-extra-headers-prefix', 'proxy-client-cert-file', 'proxy-client-key-file'];
const STORAGE = ['no-default-storage-class'];
const ETCD_CALLS = ['etcd-call-timeout'];
const SNAPSHOTS = ['snapshot-schedule', 'snapshot-retention', 'snapshot-dir', 'restore-from'];
const AUTOSCALING = ['metric-resolution', 'horizontal-pod-autoscaler-sync-period', 'horizontal-pod-autoscaler-tolerance', 'horizontal-pod-autoscaler-downscale-stabilization', 'horizontal-pod-autoscaler-cpu-initialization-period', 'horizontal-pod-autoscaler-initial-readiness-delay'];
const CERT_ROTATION = ['leaf-cert-validity'];
const LOGGING = ['log-format', 'log-level', 'quiet', 'verbose'];
const expected = {
  up: [...SERVER_SIDE, ...LIMITS, ...OIDC_AUDIT, ...AT_REST_AND_ADMISSION, ...SERVICE_ACCOUNTS, ...AUTHZ, ...AGGREGATION, ...AUTOSCALING, ...CERT_ROTATION, ...AGENT, ...STORAGE, ...ETCD_CALLS, ...SNAPSHOTS, ...LOGGING, 'help'],
  server: [
    ...SERVER_SIDE,
    ...LIMITS,
    ...OIDC_AUDIT,
    ...AT_REST_AND_ADMISSION,
    ...SERVICE_ACCOUNTS,
    ...AUTHZ,
    ...AGGREGATION,
    ...AUTOSCALING,
    ...CERT_ROTATION,
    ...AGENT,
    ...STORAGE,
    ...ETCD_CALLS,
    ...SNAPSHOTS,
    ...LOGGING,
    'cluster-init',
    'server',
    'token-file',
    'cluster-reset',
    'restore',
    'etcd-client-port',
    'etcd-peer-port',
    'help',
  ],
  agent: ['server', 'no-server-discovery', 'token', 'token-file', 'data-dir', ...AGENT, ...LOGGING, 'help'],
};

test('each command accepts exactly its flags, and its help lists every one of them and nothing else', () => {
  for (const c of commands) {
    const accepted = Object.keys(optionsOfCommand(c)).sort();
    assert.deepEqual(accepted, [...expected[c]].sort(), c);
    const listed = helpFlags(helpOfCommand(c));
    assert.equal(new Set(listed).size, listed.length, `${c}: a flag listed twice`);
    assert.deepEqual([...listed].sort(), accepted, c);
  }
});

test('every listed flag parses, with a value if its help shows one', () => {
  for (const c of commands) {
    const opts = optionsOfCommand(c);
    for (const [name, o] of Object.entries(opts)) {
      const argv = o.type === 'boolean' ? [`--${name}`] : [`--${name}`, 'x'];
      assert.ok(parseFlags(c, argv, opts)[name] !== undefined, `${c} --${name}`);
    }
  }
});

test('help text: aligned columns, defaults shown', () => {
  for (const c of commands) {
    const help = helpOfCommand(c);
    assert.match(help, new RegExp(`^gifee ${c}: `));
    for (const line of help.split('\n').filter((l) => /^ {2}-/.test(l))) {
      const head = /^ {2}(?:-\w, )?--\S+(?: [^\s]+)?/.exec(line)?.[0] ?? '';
      // The text starts at column 28, or 2 spaces after a longer flag.
      const gap = /^ */.exec(line.slice(head.length))?.[0].length ?? 0;
      if (head.length + 2 <= 28) assert.equal(head.length + gap, 28, line);
      else assert.equal(gap, 2, line);
    }
    for (const line of help.split('\n').filter((l) => /^ {3,}/.test(l) && !/^ {2}-/.test(l))) assert.match(line, /^ {28}\S/, line);
  }
  assert.match(helpOfCommand('server'), /--port N +HTTPS port of the API server \(default 6443\)/);
  assert.match(helpOfCommand('up'), /--eviction-pressure-transition-period D {2}how long/);
  assert.match(helpOfCommand('up'), /--request-timeout D +.*\(default 1m\)/);
  assert.match(helpOfCommand('agent'), /-h, --help +this help/);
});

test('the agent does not accept server flags, with a suggestion for near misses', () => {
  for (const flag of ['--cluster-cidr', '--no-agent', '--port']) assert.throws(() => parseFlags('agent', [flag, 'x'], optionsOfCommand('agent')), UsageError, flag);
  assert.throws(
    () => parseFlags('up', ['--no-controller'], optionsOfCommand('up')),
    (e: Error) => e instanceof UsageError && e.message === 'gifee up: unknown flag --no-controller (did you mean --no-controllers?); see gifee up --help',
  );
});

const config = (c: 'up' | 'server', argv: string[]) => serverConfigOf(c, parseFlags(c, argv, optionsOfCommand(c)));

test('up honours --compaction-interval and --no-controllers; its defaults stay', () => {
  assert.equal(config('up', ['--compaction-interval', '1m']).compactionIntervalMs, 60_000);
  assert.equal(config('up', ['--no-controllers']).controllers, false);
  const d = config('up', []);
  assert.equal(d.controllers, true);
  assert.equal(d.compactionIntervalMs, undefined);
  assert.equal(d.mergeKubeconfig, true);
  assert.equal(d.port, 6443);
  assert.equal(d.bindAddress, '0.0.0.0');
  assert.equal(d.store, 'sqlite');
  assert.ok(d.agent);
  assert.equal(d.agent.port, 10250);
});

test('server: --data-dir required, kubeconfig in it, same flags as up', () => {
  assert.throws(() => config('server', []), /--data-dir is required/);
  const s = config('server', ['--data-dir', '/tmp/d', '--no-controllers', '--compaction-interval', '30s', '--no-agent', '--max-connections', '5', '--tls-san', 'a,b', '--tls-san', 'c']);
  assert.equal(s.kubeconfig, '/tmp/d/kubeconfig');
  assert.equal(s.mergeKubeconfig, false);
  assert.equal(s.controllers, false);
  assert.equal(s.compactionIntervalMs, 30_000);
  assert.equal(s.agent, undefined);
  assert.deepEqual(s.limits, { maxConnections: 5 });
  assert.deepEqual(s.tlsSANs, ['a', 'b', 'c']);
  assert.equal(s.defaultStorageClass, true);
  assert.equal(config('up', ['--no-default-storage-class']).defaultStorageClass, false);
  assert.throws(() => config('up', ['--compaction-interval', 'soon']), /--compaction-interval must be a duration/);
  assert.equal(config('server', ['--data-dir', '/tmp/d', '--etcd-call-timeout', '2s']).etcdCallTimeoutMs, 2000);
  assert.equal(config('server', ['--data-dir', '/tmp/d']).etcdCallTimeoutMs, undefined);
  assert.throws(() => config('server', ['--data-dir', '/tmp/d', '--etcd-call-timeout', '10ms']), /at least 100ms/);
});
