// Boolean query parameters, read the two ways Kubernetes reads them. The API server's parameter
// codec (apimachinery's Convert_Slice_string_To_bool, used for watch, allowWatchBookmarks,
// sendInitialEvents, PodLogOptions, PodExecOptions...) never refuses a value: only "0" and "false"
// (any case) are false, anything else, even "" or "no", is true, and only the first value counts.
// `pretty` alone goes through Go's strconv.ParseBool, whose unknown spellings mean "not pretty".
// Shared by the API server and the node agent, so `stdin=False` means the same to both.

/** A query parameter as the parameter codec reads it; undefined when absent. */
export function queryBool(q: URLSearchParams, name: string): boolean | undefined {
  const v = q.get(name);
  return v === null ? undefined : codecBool(v);
}

/** One value as the parameter codec reads it: "0" and "false" (any case) are false, all else true. */
export function codecBool(v: string): boolean {
  return !(v === '0' || v.toLowerCase() === 'false');
}

/** Go's strconv.ParseBool: its twelve spellings, undefined for anything else. */
export function goParseBool(v: string): boolean | undefined {
  switch (v) {
    case '1':
    case 't':
    case 'T':
    case 'true':
    case 'TRUE':
    case 'True':
      return true;
    case '0':
    case 'f':
    case 'F':
    case 'false':
    case 'FALSE':
    case 'False':
      return false;
    default:
      return undefined;
  }
}
