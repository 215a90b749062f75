// AdmissionReview as webhooks receive and answer it (admission.k8s.io/v1 and v1beta1): the request
// built from an admission attempt, and the answer checked as Kubernetes' VerifyAdmissionResponse
// does, its JSON patch decoded within bounds.

export type ReviewVersion = 'v1' | 'v1beta1';

export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}
export interface GroupVersionResource {
  group: string;
  version: string;
  resource: string;
}

/** The AdmissionRequest body (the same in v1 and v1beta1). */
export interface AdmissionRequestBody {
  uid: string;
  kind: GroupVersionKind;
  resource: GroupVersionResource;
  subResource?: string;
  requestKind: GroupVersionKind;
  requestResource: GroupVersionResource;
  requestSubResource?: string;
  name: string;
  namespace?: string;
  operation: string;
  userInfo: { username: string; uid?: string; groups?: string[]; extra?: Record<string, string[]> };
  object: unknown;
  oldObject: unknown;
  dryRun: boolean;
  options: unknown;
}

/** The first review version the webhook accepts that gifee speaks. */
export function reviewVersionFor(accepted: string[]): ReviewVersion | undefined {
  return accepted.find((v): v is ReviewVersion => v === 'v1' || v === 'v1beta1');
}

export function admissionReview(version: ReviewVersion, request: AdmissionRequestBody) {
  return { apiVersion: `admission.k8s.io/${version}`, kind: 'AdmissionReview', request };
}

/** A webhook's answer, checked. */
export interface AdmissionResult {
  allowed: boolean;
  /** The refusal's Status (code, reason, message), as the webhook gave it. */
  status?: { code?: number; reason?: string; message?: string };
  /** JSON patch operations (mutating webhooks only). */
  patch?: unknown[];
  warnings: string[];
  auditAnnotations: Record<string, string>;
}

/** Largest decoded patch accepted (Kubernetes' request body limit). */
export const MAX_PATCH_BYTES = 3 * 1024 * 1024;
/** Most warnings and audit annotations taken from one answer; more are dropped. */
const MAX_ENTRIES = 64;
const MAX_ENTRY_LENGTH = 1024;

const rec = (v: unknown): Record<string, unknown> | undefined => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined);

/** Checks an answer; throws an Error whose message says what is wrong. */
export function verifyAdmissionResponse(uid: string, version: ReviewVersion, mutating: boolean, body: unknown): AdmissionResult {
  const review = rec(body);
  if (!review) throw new Error('the response is not a JSON object');
  if (version === 'v1' && (review.apiVersion !== 'admission.k8s.io/v1' || review.kind !== 'AdmissionReview')) {
    throw new Error(`expected webhook response of admission.k8s.io/v1, Kind=AdmissionReview, got ${String(review.apiVersion ?? '')}, Kind=${String(review.kind ?? '')}`);
  }
  const response = rec(review.response);
  if (!response) throw new Error('webhook response was absent');
  // v1beta1 did not require the uid echoed back.
  if (version === 'v1' && response.uid !== uid) throw new Error(`expected response.uid=${JSON.stringify(uid)}, got ${JSON.stringify(response.uid ?? '')}`);
  if (typeof response.allowed !== 'boolean') throw new Error('response.allowed must be a boolean');
  const result: AdmissionResult = { allowed: response.allowed, warnings: [], auditAnnotations: {} };
  const status = rec(response.status);
  if (status) {
    result.status = {
      code: typeof status.code === 'number' && Number.isInteger(status.code) ? status.code : undefined,
      reason: typeof status.reason === 'string' ? status.reason.slice(0, MAX_ENTRY_LENGTH) : undefined,
      message: typeof status.message === 'string' ? status.message.slice(0, 4 * MAX_ENTRY_LENGTH) : undefined,
    };
  }
  if (Array.isArray(response.warnings))
    result.warnings = response.warnings
      .slice(0, MAX_ENTRIES)
      .filter((w): w is string => typeof w === 'string')
      .map((w) => w.slice(0, MAX_ENTRY_LENGTH));
  const annotations = rec(response.auditAnnotations);
  if (annotations) {
    for (const [k, v] of Object.entries(annotations).slice(0, MAX_ENTRIES)) if (typeof v === 'string') result.auditAnnotations[k.slice(0, 253)] = v.slice(0, MAX_ENTRY_LENGTH);
  }
  const patch = response.patch;
  if (patch !== undefined && patch !== null && patch !== '') {
    if (!mutating) throw new Error('validating webhook may not return response.patch');
    let patchType = response.patchType;
    if (patchType === undefined && version === 'v1beta1') patchType = 'JSONPatch';
    if (patchType === undefined || patchType === null) throw new Error('webhook returned response.patch but not response.patchType');
    if (patchType !== 'JSONPatch') throw new Error(`webhook returned invalid response.patchType of ${JSON.stringify(patchType)}`);
    if (typeof patch !== 'string') throw new Error('response.patch must be a base64 string');
    if (patch.length > (MAX_PATCH_BYTES * 4) / 3 + 4) throw new Error(`response.patch is larger than ${MAX_PATCH_BYTES} bytes`);
    let ops: unknown;
    try {
      ops = JSON.parse(Buffer.from(patch, 'base64').toString('utf8'));
    } catch (e) {
      throw new Error(`response.patch is not a base64 JSON patch: ${(e as Error).message}`);
    }
    if (!Array.isArray(ops)) throw new Error('response.patch is not a JSON patch (a list of operations)');
    result.patch = ops;
  } else if (response.patchType !== undefined && response.patchType !== null && !mutating) {
    throw new Error('validating webhook may not return response.patchType');
  }
  return result;
}
