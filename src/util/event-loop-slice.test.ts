import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { Slicer } from './event-loop-slice.js';

const busy = (ms: number) => {
  const end = performance.now() + ms;
  while (performance.now() < end);
};

test('within its budget a checkpoint costs no turn of the event loop', () => {
  const s = new Slicer(1000);
  assert.equal(s.turn(), undefined);
  busy(2);
  assert.equal(s.turn(), undefined);
});

test('past its budget a checkpoint lets timers and I/O run before the work goes on', async () => {
  const s = new Slicer(5);
  let timerRan = false;
  setTimeout(() => {
    timerRan = true;
  }, 0);
  busy(10);
  const turn = s.turn();
  assert.ok(turn, 'a turn is due');
  assert.equal(timerRan, false);
  await turn;
  assert.equal(timerRan, true, 'the timer ran during the turn');
  // The budget counts again from the turn.
  assert.equal(s.turn(), undefined);
});

test('a plain await is not a turn: the reason checkpoints use setImmediate (twice)', async () => {
  let timerRan = false;
  setTimeout(() => {
    timerRan = true;
  }, 0);
  busy(5);
  await Promise.resolve();
  assert.equal(timerRan, false);
  await new Slicer(0).turn();
  assert.equal(timerRan, true);
});

test('work running in an I/O callback lets later I/O in at its turn', async () => {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  const received: string[] = [];
  const done = new Promise<string[]>((resolve) => {
    server.on('connection', (sock) =>
      sock.on('data', async (d) => {
        const msg = d.toString();
        received.push(msg);
        if (msg !== 'work') return;
        // Long work in a poll-phase callback: the other client's bytes arrive meanwhile.
        const slicer = new Slicer(5);
        other.write('ping');
        busy(20);
        await slicer.turn();
        resolve([...received]);
      }),
    );
  });
  const connect = () =>
    new Promise<net.Socket>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => resolve(s));
    });
  const worker = await connect();
  const other = await connect();
  await new Promise((r) => setTimeout(r, 20)); // both accepted
  worker.write('work');
  assert.deepEqual(await done, ['work', 'ping']);
  worker.destroy();
  other.destroy();
  server.close();
});

test('pieces of work past their budget resume one per turn, in order, with timers between any two', async () => {
  const log: string[] = [];
  // A timer that re-arms itself marks every timers phase the loop passes through.
  let ticking = true;
  const tick = () => {
    log.push('tick');
    if (ticking) setTimeout(tick, 0);
  };
  setTimeout(tick, 0);
  const work = async (name: string) => {
    const s = new Slicer(1);
    for (let i = 0; i < 3; i++) {
      busy(2);
      log.push(`${name}${i}`);
      await s.turn();
    }
  };
  await Promise.all([work('a'), work('b'), work('c')]);
  ticking = false;
  const slices = log.filter((e) => e !== 'tick');
  // Round robin in the order they asked: each piece waits behind the others that yielded before it.
  assert.deepEqual(slices, ['a0', 'b0', 'c0', 'a1', 'b1', 'c1', 'a2', 'b2', 'c2']);
  // After the first slices (which ran before anyone yielded), no two slices without a timers phase between them.
  const from = log.indexOf('c0') + 1;
  for (let i = from; i < log.length - 1; i++) assert.ok(!(log[i] !== 'tick' && log[i + 1] !== 'tick'), `two slices back to back at ${i}: ${log.join(' ')}`);
});

test('work that finds the loop iteration spent by other sliced work yields at its checkpoint, then the next iteration is fresh', async () => {
  const a = new Slicer(5);
  busy(10);
  const turnA = a.turn();
  assert.ok(turnA, 'past its budget: a yields');
  // Another request in the same I/O phase, within its own budget: the iteration is spent all the same.
  const b = new Slicer(1000);
  const turnB = b.turn();
  assert.ok(turnB, 'b yields behind a');
  const order: string[] = [];
  await Promise.all([turnA.then(() => order.push('a')), turnB.then(() => order.push('b'))]);
  assert.deepEqual(order, ['a', 'b']);
  await new Promise((r) => setTimeout(r, 5));
  assert.equal(new Slicer(1000).turn(), undefined, 'a later iteration starts unspent');
});
