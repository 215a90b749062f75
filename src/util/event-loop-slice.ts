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

const nextTurn = () => new Promise<void>((resolve) => setImmediate(() => setImmediate(resolve)));

export class Slicer {
  private since = performance.now();

  constructor(private readonly budgetMs = SLICE_BUDGET_MS) {}

  /** A checkpoint between passes: resolves at once (a microtask) within the budget, else after a
   *  turn of the event loop. */
  turn(): Promise<void> | undefined {
    if (performance.now() - this.since < this.budgetMs) return undefined;
    return nextTurn().then(() => {
      this.since = performance.now();
    });
  }
}
