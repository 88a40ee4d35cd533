/** A GraphQL response as JSON. */
export interface Response<T = any> {
  data?: T;
  errors?: { message: string; extensions?: { code?: string } }[];
}

/** POSTs one operation (with a timeout); throws on HTTP failure or any GraphQL error. */
export async function gql<T = any>(url: string, query: string, variables: Record<string, unknown> = {}, apiKey?: string, timeoutMs?: number): Promise<T> {
  const r = await post<T>(url, query, variables, apiKey, timeoutMs);
  if (r.errors?.length) throw new Error(`GraphQL error: ${JSON.stringify(r.errors).slice(0, 500)} for ${query.slice(0, 120)}`);
  return r.data as T;
}

/** POSTs one operation and returns the whole response, errors included. */
export async function post<T = any>(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  apiKey?: string,
  timeoutMs = 120_000,
): Promise<Response<T>> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}) },
    body: JSON.stringify({ query, variables }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await response.text();
  try {
    return JSON.parse(text) as Response<T>;
  } catch {
    throw new Error(`HTTP ${response.status} from ${url}: ${text.slice(0, 300)}`);
  }
}

/** Runs `work` over `items` with at most `concurrency` at a time; results in order. */
export async function pool<T, R>(items: readonly T[], concurrency: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await work(items[i]!, i);
      }
    }),
  );
  return results;
}

/** The counters of `offergate_db_commands_total`, by "collection command". */
export async function dbCommands(metricsUrl: string): Promise<Map<string, number>> {
  const text = await (await fetch(metricsUrl, { signal: AbortSignal.timeout(10_000) })).text();
  const counts = new Map<string, number>();
  for (const m of text.matchAll(/^offergate_db_commands_total\{collection="([^"]*)",command="([^"]*)"\} (\d+)/gm)) {
    counts.set(`${m[1]} ${m[2]}`, Number(m[3]));
  }
  return counts;
}

/** Database commands sent while `run` ran (nothing else may run meanwhile). */
export async function commandsDuring(metricsUrl: string, run: () => Promise<unknown>): Promise<{ total: number; by: Record<string, number> }> {
  const before = await dbCommands(metricsUrl);
  await run();
  return commandsBetween(before, await dbCommands(metricsUrl));
}

/** The counters of `offergate_db_write_statements_total`, by collection. */
export async function dbWriteStatements(metricsUrl: string): Promise<Map<string, number>> {
  const text = await (await fetch(metricsUrl, { signal: AbortSignal.timeout(10_000) })).text();
  const counts = new Map<string, number>();
  for (const m of text.matchAll(/^offergate_db_write_statements_total\{collection="([^"]*)"\} (\d+)/gm)) counts.set(m[1]!, Number(m[2]));
  return counts;
}

/** The database commands counted between two readings of `dbCommands`, in all and by collection and command. */
export function commandsBetween(before: Map<string, number>, after: Map<string, number>): { total: number; by: Record<string, number> } {
  const by: Record<string, number> = {};
  let total = 0;
  for (const [key, n] of after) {
    const d = n - (before.get(key) ?? 0);
    if (d > 0) {
      by[key] = d;
      total += d;
    }
  }
  return { total, by };
}

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length === 0 ? NaN : s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

/** The largest of a sample (Math.max(...xs) overflows the stack past about 100,000 values). */
export const maxOf = (xs: readonly number[]): number => xs.reduce((a, b) => (b > a ? b : a), -Infinity);

/** The q-quantile (0..1) of a sample, nearest rank. */
export const quantile = (xs: number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
};
