// Boolean query parameters as the API server decodes them (apimachinery's
// Convert_Slice_string_To_bool, used for ListOptions, PatchOptions, PodLogOptions…): a missing
// parameter is false; "0" and "false" in any letter case are false; every other value, the empty
// string included, is true. It never answers 400 for a boolean: the Python client sends `watch=True`.
export function queryBool(q: URLSearchParams, name: string): boolean {
  return queryFlag(q, name) ?? false;
}

/** The same decoding for `*bool` options, where an absent parameter differs from false. */
export function queryFlag(q: URLSearchParams, name: string): boolean | undefined {
  const v = q.get(name);
  if (v === null) return undefined;
  return !(v === '0' || v.toLowerCase() === 'false');
}
