import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { type ExecError, execFileHelped, execHelperPid } from './exec-helper.js';

const sh = (script: string, o = {}) => execFileHelped('sh', ['-c', script], o);

test('a command run through the helper answers with what it printed, in parallel with others', async () => {
  const results = await Promise.all([sh('echo one; echo err >&2'), sh('sleep 0.2; echo two'), execFileHelped('printf', ['%s|', 'a b', "c'd"])]);
  assert.deepEqual(results, [
    { stdout: 'one\n', stderr: 'err\n' },
    { stdout: 'two\n', stderr: '' },
    { stdout: "a b|c'd|", stderr: '' },
  ]);
  assert.ok(execHelperPid(), 'the commands ran in a helper process');
});

test('failures are execFile-shaped: exit code with the output, ENOENT, a kill after the timeout', async () => {
  const failed = (await sh('echo out; echo bad >&2; exit 3').catch((e: ExecError) => e)) as ExecError;
  assert.equal(failed.code, 3);
  assert.equal(failed.stdout, 'out\n');
  assert.equal(failed.stderr, 'bad\n');
  const missing = (await execFileHelped('/nonexistent/gifee-no-such-command', []).catch((e: ExecError) => e)) as ExecError;
  assert.equal(missing.code, 'ENOENT');
  const started = Date.now();
  const slow = (await sh('sleep 5', { timeout: 200, killSignal: 'SIGKILL' }).catch((e: ExecError) => e)) as ExecError;
  assert.equal(slow.killed, true);
  assert.equal(slow.signal, 'SIGKILL');
  assert.ok(Date.now() - started < 4000);
});

test('the environment given is the command’s', async () => {
  const { stdout } = await sh('echo "$GIFEE_HELPER_TEST:$LC_ALL"', { env: { ...process.env, GIFEE_HELPER_TEST: 'yes', LC_ALL: 'C' } });
  assert.equal(stdout, 'yes:C\n');
});

test('a helper that dies fails the commands it was running, and the next command starts a new one', async () => {
  await sh('true');
  const pid = execHelperPid()!;
  const running = sh('sleep 5').catch((e: Error) => e);
  await new Promise((r) => setTimeout(r, 100));
  process.kill(pid, 'SIGKILL');
  const err = await running;
  assert.ok(err instanceof Error && /helper exited/.test(err.message), String(err));
  assert.deepEqual(await sh('echo again'), { stdout: 'again\n', stderr: '' });
  assert.notEqual(execHelperPid(), pid);
});

test('an idle helper does not keep its caller alive', () => {
  const url = new URL('./exec-helper.js', import.meta.url).href;
  const started = Date.now();
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', `import { execFileHelped } from ${JSON.stringify(url)}; console.log((await execFileHelped('echo', ['done'])).stdout.trim());`], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), 'done');
  assert.ok(Date.now() - started < 15_000);
});
