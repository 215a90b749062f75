// The one Kubernetes CEL environment: @bufbuild/cel's standard library and strings extension plus
// Kubernetes' libraries, with every function call routed through a wrapper that charges its cost
// to the running evaluation's meter (cost.ts).

import { type CelEnv, type CelFunc, type CelValue, CelScalar, celEnv, celFunc, isCelList } from '@bufbuild/cel';
import { strings } from '@bufbuild/cel/ext';
import { chargeCost } from './cost.js';
import { STEP_FUNCTION } from './guard.js';
import { authzFuncs } from './lib-authz.js';
import { listFuncs, setFuncs } from './lib-lists.js';
import { netFuncs } from './lib-net.js';
import { OPTIONAL_CONSTANT_COST, optionalFuncs } from './lib-optional.js';
import { quantityFuncs } from './lib-quantity.js';
import { regexFuncs } from './lib-regex.js';
import { urlFuncs } from './lib-url.js';
import { sizeOf } from './values.js';

const stepFunc = celFunc(STEP_FUNCTION, [CelScalar.DYN], CelScalar.DYN, (v: CelValue) => v as never);

/** Functions whose cost does not grow with their arguments' sizes. */
const CONSTANT_COST = new Set(['size', STEP_FUNCTION, 'type', 'dyn', 'int', 'uint', 'double', 'bool', ...OPTIONAL_CONSTANT_COST]);

/** Cost known before the call, for functions whose result can be far larger than their inputs. */
function preCost(name: string, target: CelValue | undefined, args: CelValue[]): number {
  if (name === 'replace' && typeof target === 'string' && typeof args[1] === 'string') return ((target.length + 1) * args[1].length) / 10;
  if (name.startsWith('sets.') && isCelList(args[0]) && isCelList(args[1])) return args[0].size * args[1].size;
  if (name === 'join' && isCelList(target)) {
    let n = 0;
    for (const v of target) n += sizeOf(v);
    return n / 10;
  }
  return 0;
}

const weigh = (v: CelValue | undefined) => (typeof v === 'string' || v instanceof Uint8Array ? sizeOf(v) / 10 : sizeOf(v));

interface Group {
  call(id: number, target: CelValue | undefined, args: CelValue[]): unknown;
}

function metered(name: string, g: Group): Group {
  return {
    call(id, target, args) {
      let cost = 1;
      if (!CONSTANT_COST.has(name)) {
        cost += weigh(target);
        for (const a of args) cost += weigh(a);
        cost += preCost(name, target, args);
      }
      chargeCost(Math.ceil(cost));
      const r = g.call(id, target, args);
      if (!CONSTANT_COST.has(name)) chargeCost(Math.ceil(weigh(r as CelValue)));
      return r;
    },
  };
}

const k8sFuncs: CelFunc[] = [stepFunc, ...listFuncs, ...setFuncs, ...regexFuncs, ...quantityFuncs, ...netFuncs, ...urlFuncs, ...authzFuncs, ...optionalFuncs];

function build(): CelEnv {
  const base = celEnv({ funcs: [...strings, ...k8sFuncs] });
  const cache = new Map<string, Group | undefined>();
  const funcs = {
    [Symbol.iterator]: () => base.funcs[Symbol.iterator](),
    find(name: string) {
      if (!cache.has(name)) {
        const g = base.funcs.find(name) as Group | undefined;
        cache.set(name, g && metered(name, g));
      }
      return cache.get(name);
    },
  };
  // plan() reads only funcs, registry and namespace (and caches its planner per env object).
  return { namespace: base.namespace, registry: base.registry, variables: base.variables, funcs } as unknown as CelEnv;
}

export const kubernetesCelEnv: CelEnv = build();

/** Whether the environment has a function (or method) of this name, for compile-time checks. */
export function hasFunction(name: string): boolean {
  return kubernetesCelEnv.funcs.find(name) !== undefined;
}
