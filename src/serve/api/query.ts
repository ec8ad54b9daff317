// The Patchwork API's query strings as Django reads them: a parameter may come several times
// (git-pw sends state=new&state=under-review), each value percent-decoded with + as a space. Only
// the parameters the API reads key the response cache, so junk parameters cannot defeat it.

export type ApiQuery = Map<string, string[]>;

/** Every parameter some API list or detail reads. */
export const API_PARAMS = new Set([
  'page',
  'per_page',
  'order',
  'q',
  'since',
  'before',
  'project',
  'series',
  'submitter',
  'state',
  'archived',
  'hash',
  'msgid',
  'category',
  'patch',
  'cover',
  'user',
  'context',
  'delegate',
]);

function decode(s: string): string {
  const plus = s.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(plus);
  } catch {
    return plus;
  }
}

export function parseApiQuery(raw: string): ApiQuery {
  const q: ApiQuery = new Map();
  for (const pair of raw.split('&')) {
    if (!pair) continue;
    const eq = pair.indexOf('=');
    const key = decode(eq < 0 ? pair : pair.slice(0, eq));
    if (!API_PARAMS.has(key)) continue;
    const value = eq < 0 ? '' : decode(pair.slice(eq + 1));
    const values = q.get(key);
    if (values) values.push(value);
    else q.set(key, [value]);
  }
  return q;
}

/** The parameters the API reads, in one order, encoded: the response cache key's query part. */
export function canonicalQuery(q: ApiQuery): string {
  return [...q.keys()]
    .sort()
    .flatMap((k) => q.get(k)!.map((v) => `${k}=${encodeURIComponent(v)}`))
    .join('&');
}

export const apiQueryKey = (raw: string) => canonicalQuery(parseApiQuery(raw));

/** The query with `page` set to `n`, for Link headers: only what the API reads, so the key decides it. */
export function withPage(q: ApiQuery, n: number): string {
  const next = new Map(q);
  next.set('page', [String(n)]);
  return canonicalQuery(next);
}
