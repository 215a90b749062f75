import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { tempDir } from '../../test/helpers/temp-dirs.js';
import type { StreamTargetError } from '../agent/streams/target.js';
import { SIM_EXEC_EXIT_CODE, SimStreamTarget } from './kubelet-target.js';
import type { SimPod } from './pod-status.js';

const started = '2026-01-02T03:04:05Z';
const running = (name: string, node: string, extra: Partial<SimPod['status']> = {}): SimPod =>
  ({
    metadata: { namespace: 'ns', name, uid: `uid-${name}` },
    spec: { nodeName: node, containers: [{ name: 'app', image: 'web:1' }, { name: 'side' }] },
    status: {
      phase: 'Running',
      containerStatuses: [
        { name: 'app', state: { running: { startedAt: started } } },
        { name: 'side', state: { running: { startedAt: started } } },
      ],
      ...extra,
    },
  }) as SimPod;

const text = async (s: Readable | undefined) => {
  let out = '';
  for await (const c of s ?? []) out += c;
  return out;
};

describe('the stream target of simulated nodes', () => {
  const pods = new Map<string, SimPod>([
    ['ns/web', running('web', 'sim-0')],
    ['ns/pending', { metadata: { namespace: 'ns', name: 'pending', uid: 'u-p' }, spec: { nodeName: 'sim-0', containers: [{ name: 'app' }] }, status: { phase: 'Pending' } } as SimPod],
  ]);
  const dir = join(tempDir('gifee-sim-target-'), 'logs');
  const target = new SimStreamTarget({ get: (ns, name) => pods.get(`${ns}/${name}`) }, dir);
  after(() => target.close());

  it('logs: one CRI line per container, stamped with its start, while it runs', async () => {
    const logs = await target.logs('ns', 'web', 'app', false);
    assert.equal(logs.running, true);
    assert.equal(logs.files.length, 1);
    assert.equal(await readFile(logs.files[0], 'utf8'), '2026-01-02T03:04:05.000000000Z stdout F gifee sim: container "app" (image web:1) of pod ns/web runs on simulated node sim-0: no process runs, so this is its only log line\n');
    const side = await target.logs('ns', 'web', 'side', false);
    assert.match(await readFile(side.files[0], 'utf8'), / F gifee sim: container "side" of pod ns\/web runs on simulated node sim-0: /);
    assert.deepEqual((await target.logs('ns', 'web', 'app', false)).files, logs.files, 'written once');
  });

  it('logs: no previous instance, nothing before the start, 404 for pods not here', async () => {
    await assert.rejects(target.logs('ns', 'web', 'app', true), (e: StreamTargetError) => e.code === 400 && /previous terminated container "app" in pod "web" not found/.test(e.message));
    await assert.rejects(target.logs('ns', 'pending', 'app', false), (e: StreamTargetError) => e.code === 400 && /is waiting to start: ContainerCreating/.test(e.message));
    await assert.rejects(target.logs('ns', 'elsewhere', 'app', false), (e: StreamTargetError) => e.code === 404 && /not on any simulated node served here/.test(e.message));
  });

  it('forget ends follows and removes the files', async () => {
    const logs = await target.logs('ns', 'web', 'app', false);
    let ended = false;
    void logs.stopped.then(() => (ended = true));
    target.forget('uid-web');
    await new Promise((r) => setImmediate(r));
    assert.equal(ended, true);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(existsSync(logs.files[0]), false);
  });

  it('exec and attach run nothing: the reason on stderr (stdout with a TTY), exit code 126', async () => {
    const s = await target.exec('ns', 'web', 'app', ['ls'], { tty: false, stdin: true });
    assert.equal(await text(s.stdout), '');
    assert.equal(await text(s.stderr), 'gifee sim: cannot exec in container "app" of pod ns/web: sim-0 is a simulated node (gifee sim nodes) and runs no processes\n');
    assert.deepEqual(await s.exited, { exitCode: SIM_EXEC_EXIT_CODE });
    s.stdin!.end('ignored');
    const t = await target.attach('ns', 'web', 'app', { tty: true, stdin: false });
    assert.equal(t.stderr, undefined);
    assert.equal(t.stdin, undefined);
    assert.match(await text(t.stdout), /^gifee sim: cannot attach to container "app" of pod ns\/web: .*\r\n$/);
    assert.equal((await t.exited).exitCode, 126);
    await assert.rejects(target.exec('ns', 'nope', 'app', ['ls'], { tty: false, stdin: false }), (e: StreamTargetError) => e.code === 404);
  });

  it('port-forward is refused before any upgrade, and if asked anyway', async () => {
    await assert.rejects(target.checkPortForward('ns', 'web'), (e: StreamTargetError) => e.code === 400 && /cannot forward ports to pod ns\/web: sim-0 is a simulated node/.test(e.message));
    await assert.rejects(target.portForward('ns', 'web'), /cannot forward ports/);
  });
});
