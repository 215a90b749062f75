// Cooperative time slicing for long synchronous work on the event loop. A request on a large object
// (a 5,000-container pod is 3 MiB of JSON) goes through a dozen whole-object passes — decode, patch,
// defaulting, validation, field tracking, encode — each tens of milliseconds; run back to back they
// hold the loop for most of a second, and every other request, watch and lease renewal waits. The
// work puts `await slicer.turn()` between passes: it gives the loop a turn (I/O, timers) once this
// work has run `budgetMs` since its last one, so small requests pay a clock read and nothing else.
//
// `await` on a resolved promise is not enough: microtasks run before the loop polls for I/O. One
// setImmediate is not always enough either: work running in an I/O callback (the poll phase) would
// resume in the check phase of the same loop iteration, before any new I/O or timer. Two in a row
// always span a timers phase and a poll phase. The clock counts from the last turn this work took,
// awaits of real I/O included: that can only make it yield a little early.

/** How long one piece of work may run between turns it gives the loop. */
export const SLICE_BUDGET_MS = 10;

/**
 * Work past its budget waits here and resumes one piece of work per turn, in the order it asked.
 * Each piece yields alone, but pieces that yielded together would all resume in the same check
 * phase, their slices back to back — two large requests and a watch delivery made one 150 ms block
 * of three 50 ms slices. Released one at a time, each loop iteration runs at most one slice of
 * sliced work, and timers and I/O run between any two.
 */
const waiting: (() => void)[] = [];
let releasing = false;

/**
 * Whether sliced work has already used this loop iteration: set when any piece yields (it ran past
 * its budget, or must not run back to back with what follows), cleared in the next timers phase.
 * Pieces of different requests are released one per turn, but a request that starts in an I/O
 * callback runs its first passes at once: two requests' 30 ms passes landed in the same poll phase,
 * or a poll-phase pass and a released slice in the same iteration — 60–120 ms blocks made of slices
 * each within the goal. A checkpoint that finds the iteration spent yields, and a release waits one
 * iteration for it (once, so released work cannot starve behind a steady stream of new requests).
 */
let spent = false;
const clearSpent = () => {
  spent = false;
};

function spend() {
  if (spent) return;
  spent = true;
  // The next timers phase begins a new iteration: a timer is the one callback that runs there.
  setTimeout(clearSpent, 0).unref();
}

const afterTimersAndIo = (fn: () => void) => setImmediate(() => setImmediate(fn));

let postponed = false;

function releaseOne() {
  if (spent && !postponed) {
    // One setImmediate from the check phase is the next iteration's check phase, after its timers and I/O.
    postponed = true;
    setImmediate(releaseOne);
    return;
  }
  postponed = false;
  const next = waiting.shift();
  if (waiting.length > 0) afterTimersAndIo(releaseOne);
  else releasing = false;
  next?.();
}

/** A turn of the event loop for sliced work (see above): resolves once timers and I/O have run and
 *  every piece of sliced work that asked before has had its turn. Asking marks the current loop
 *  iteration spent: other sliced work in it yields at its next checkpoint. */
export function nextTurn(): Promise<void> {
  spend();
  return queueTurn();
}

/** A place in the queue, without marking the iteration spent (a turn taken on principle, not
 *  because work used its budget: a list's turn between its store reads). */
function queueTurn(): Promise<void> {
  return new Promise<void>((resolve) => {
    waiting.push(resolve);
    if (!releasing) {
      releasing = true;
      afterTimersAndIo(releaseOne);
    }
  });
}

export class Slicer {
  private since = performance.now();

  constructor(private readonly budgetMs = SLICE_BUDGET_MS) {}

  /** A turn whatever the budget says: between steps that must not run back to back (store reads).
   *  Within the budget it does not mark the iteration spent (every list takes one: paging through
   *  10,000 pods one per page took twice as long when each held back the next release). */
  async pass(): Promise<void> {
    await (this.due() ? nextTurn() : queueTurn());
    this.since = performance.now();
  }

  /** This work has used its budget since its last turn, or other sliced work has used this loop
   *  iteration (a caller with output to flush first). */
  due(): boolean {
    return spent || performance.now() - this.since >= this.budgetMs;
  }

  /** A checkpoint between passes: resolves at once (a microtask) within the budget, else after a
   *  turn of the event loop. */
  turn(): Promise<void> | undefined {
    if (!this.due()) return undefined;
    return nextTurn().then(() => {
      this.since = performance.now();
    });
  }
}

/** Leaves a part of a synchronous walk for later (see walkInSlices). */
export type Defer = (task: () => void) => void;

/**
 * A synchronous walk in slices: `walk` runs at once and may leave parts of its work for later with
 * `defer` (a deferred part may defer more, which joins the end); the parts run in order with `turn`
 * (a request's checkpoint) awaited before each.
 */
export async function walkInSlices(walk: (defer: Defer) => void, turn: () => Promise<void> | undefined): Promise<void> {
  const tasks: (() => void)[] = [];
  walk((t) => tasks.push(t));
  for (let i = 0; i < tasks.length; i++) {
    await turn();
    tasks[i]();
  }
}

/** Items [0, length) left for later `size` at a time: `part(from, to)` is called now (so it can
 *  keep its place in what the walk collects) and returns the task that visits them. */
export function deferInParts(defer: Defer, length: number, size: number, part: (from: number, to: number) => () => void): void {
  for (let from = 0; from < length; from += size) defer(part(from, Math.min(from + size, length)));
}
