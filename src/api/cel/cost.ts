// Cost limits. @bufbuild/cel has no cost tracking, so gifee bounds evaluation itself, in the units
// Kubernetes uses (roughly one per operation, one per list element traversed, 0.1 per character):
//  - every function and operator call goes through a wrapped resolver (see env.ts) that charges
//    1 + the size of its list/map arguments + a tenth of its string arguments;
//  - every comprehension iteration (all, exists, exists_one, map, filter) is charged 1 through a
//    call the compiler wraps around each loop condition (see guard.ts);
//  - once over the limit, every further charge throws, so each remaining loop stops at its next
//    iteration and the evaluation's result is replaced by the cost error, whatever || or && did.
// Evaluation is synchronous, so the meter of the running evaluation is a module variable.

/** Kubernetes' PerCallLimit: the most one expression may cost in one evaluation. */
export const PER_CALL_LIMIT = 1_000_000;
/** Kubernetes' RuntimeCELCostBudget: what all expressions of one policy/object may cost together. */
export const RUNTIME_COST_BUDGET = 10_000_000;

export class CostExceeded extends Error {
  constructor(readonly which: 'expression' | 'budget') {
    super(which === 'expression' ? 'operation cancelled: actual cost limit exceeded' : 'validation failed due to running out of cost budget, no further validation rules will be run');
  }
}

/** @bufbuild/cel is slower than cel-go per unit of cost: a wall-clock ceiling per evaluation keeps
 * the event loop free whatever the cost model misses. */
export const EVALUATION_TIME_LIMIT_MS = 1000;

/** A running total shared by the expressions of one validation (Kubernetes' RuntimeCELCostBudget). */
export class CostBudget {
  spent = 0;
  /** performance.now() past which every expression charged to this budget stops. */
  readonly deadline: number;
  constructor(
    readonly limit = RUNTIME_COST_BUDGET,
    timeLimitMs = 2 * EVALUATION_TIME_LIMIT_MS,
  ) {
    this.deadline = performance.now() + timeLimitMs;
  }
  get exhausted() {
    return this.spent > this.limit;
  }
}

export class CostMeter {
  cost = 0;
  exceeded?: CostExceeded;
  private nextClockCheck = 4096;
  private readonly deadline: number;
  constructor(
    readonly limit: number,
    readonly budget?: CostBudget,
    timeLimitMs = EVALUATION_TIME_LIMIT_MS,
  ) {
    this.deadline = Math.min(performance.now() + timeLimitMs, budget?.deadline ?? Number.POSITIVE_INFINITY);
  }

  charge(n: number) {
    if (this.exceeded) throw this.exceeded;
    this.cost += n;
    if (this.cost >= this.nextClockCheck) {
      this.nextClockCheck = this.cost + 4096;
      if (performance.now() > this.deadline) this.exceeded = new CostExceeded('expression');
    }
    if (this.budget) this.budget.spent += n;
    if (this.cost > this.limit) this.exceeded = new CostExceeded('expression');
    else if (this.budget?.exhausted) this.exceeded = new CostExceeded('budget');
    if (this.exceeded) throw this.exceeded;
  }
}

let current: CostMeter | undefined;

export function chargeCost(n: number) {
  current?.charge(n);
}

/** Runs fn with meter as the running evaluation's meter (nesting-safe). */
export function withMeter<T>(meter: CostMeter, fn: () => T): T {
  const prev = current;
  current = meter;
  try {
    return fn();
  } finally {
    current = prev;
  }
}
