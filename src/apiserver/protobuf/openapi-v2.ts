// The OpenAPI v2 document in gnostic's protobuf encoding (openapi_v2.Document), which is the only
// form kubectl up to 1.28 accepts from /openapi/v2: it validates, computes strategic merge patches
// and explains from it. Encoded from the same JSON document we serve, field numbers per gnostic's
// OpenAPIv2.proto.

import { ProtoWriter } from './writer.js';

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Any{yaml=2}: gnostic carries defaults, enums and vendor extensions as YAML text (JSON is YAML). */
const any = (w: ProtoWriter, num: number, v: unknown) => w.message(num, (a) => a.string(2, JSON.stringify(v)));

function vendorExtensions(w: ProtoWriter, num: number, o: Json) {
  for (const [k, v] of Object.entries(o)) {
    if (!k.startsWith('x-')) continue;
    w.message(num, (n) => {
      n.string(1, k);
      any(n, 2, v);
    });
  }
}

function schema(w: ProtoWriter, s: Json) {
  w.string(1, s.$ref as string | undefined);
  w.string(2, s.format as string | undefined);
  w.string(4, s.description as string | undefined);
  if (s.default !== undefined) any(w, 5, s.default);
  for (const r of (s.required as string[] | undefined) ?? []) w.string(19, r);
  for (const e of (s.enum as unknown[] | undefined) ?? []) any(w, 20, e);
  const ap = s.additionalProperties;
  if (isObj(ap)) w.message(21, (a) => a.message(1, (x) => schema(x, ap)));
  else if (typeof ap === 'boolean') w.message(21, (a) => a.bool(2, ap));
  if (typeof s.type === 'string') w.message(22, (t) => t.string(1, s.type as string));
  if (isObj(s.items)) w.message(23, (i) => i.message(1, (x) => schema(x, s.items as Json)));
  for (const a of (s.allOf as Json[] | undefined) ?? []) w.message(24, (x) => schema(x, a));
  if (isObj(s.properties)) {
    w.message(25, (p) => {
      for (const [name, v] of Object.entries(s.properties as Json)) {
        p.message(1, (n) => {
          n.string(1, name);
          n.message(2, (x) => schema(x, v as Json));
        });
      }
    });
  }
  vendorExtensions(w, 31, s);
}

function parameter(w: ProtoWriter, p: Json) {
  // ParametersItem{parameter=1 Parameter{body=1 | non_body=2}}
  w.message(1, (param) => {
    if (p.in === 'body') {
      param.message(1, (b) => {
        b.string(1, p.description as string | undefined);
        b.string(2, p.name as string);
        b.string(3, 'body');
        b.bool(4, p.required as boolean | undefined);
        if (isObj(p.schema)) b.message(5, (x) => schema(x, p.schema as Json));
      });
    } else {
      const field = p.in === 'path' ? 4 : p.in === 'header' ? 1 : 3;
      param.message(2, (nb) =>
        nb.message(field, (q) => {
          q.bool(1, p.required as boolean | undefined);
          q.string(2, p.in as string);
          q.string(3, p.description as string | undefined);
          q.string(4, p.name as string);
          if (field === 3) {
            q.string(6, p.type as string | undefined);
            q.bool(20, p.uniqueItems as boolean | undefined);
          } else {
            q.string(5, p.type as string | undefined);
          }
        }),
      );
    }
  });
}

function operation(w: ProtoWriter, op: Json) {
  w.string(3, op.description as string | undefined);
  w.string(5, op.operationId as string | undefined);
  for (const p of (op.parameters as Json[] | undefined) ?? []) w.message(8, (x) => parameter(x, p));
  const responses = op.responses as Json | undefined;
  if (responses) {
    w.message(9, (r) => {
      for (const [code, resp] of Object.entries(responses)) {
        r.message(1, (nr) => {
          nr.string(1, code);
          nr.message(2, (rv) =>
            rv.message(1, (x) => {
              x.string(1, ((resp as Json).description as string) ?? '');
              const sc = (resp as Json).schema;
              if (isObj(sc)) x.message(2, (si) => si.message(1, (y) => schema(y, sc)));
            }),
          );
        });
      }
    });
  }
  vendorExtensions(w, 13, op);
}

const VERBS: Record<string, number> = { get: 2, put: 3, post: 4, delete: 5, options: 6, head: 7, patch: 8 };

export function encodeOpenApiV2(doc: Json): Buffer {
  const w = new ProtoWriter();
  w.string(1, (doc.swagger as string) ?? '2.0');
  const info = (doc.info ?? {}) as Json;
  w.message(2, (i) => {
    i.string(1, info.title as string | undefined);
    i.string(2, info.version as string | undefined);
  });
  w.message(8, (paths) => {
    for (const [p, item] of Object.entries((doc.paths ?? {}) as Json)) {
      paths.message(2, (np) => {
        np.string(1, p);
        np.message(2, (pi) => {
          for (const [verb, op] of Object.entries(item as Json)) {
            const num = VERBS[verb];
            if (num) pi.message(num, (x) => operation(x, op as Json));
          }
        });
      });
    }
  });
  w.message(9, (defs) => {
    for (const [name, s] of Object.entries((doc.definitions ?? {}) as Json)) {
      defs.message(1, (ns) => {
        ns.string(1, name);
        ns.message(2, (x) => schema(x, s as Json));
      });
    }
  });
  return w.finish();
}
