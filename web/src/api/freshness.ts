/**
 * When Salesforce cannot be reached, the API answers reads from its cache and says so with
 * `X-Data-Stale: true` and `Age: <seconds>` ("stale-if-error"). Queries whose data may come from
 * there return it as a `Fetched<D>`, so the page can tell the customer it may be out of date.
 */
export interface Staleness {
  /** How old the data already was when it arrived, in seconds; `null` when the server did not say. */
  ageSeconds: number | null;
  /** When the response arrived (milliseconds since the epoch), so the age shown keeps growing. */
  receivedAt: number;
}

/** A response's data, with `stale` set when the server answered from its cache. */
export interface Fetched<D> {
  data: D;
  stale: Staleness | null;
}

/** Reads `X-Data-Stale` and `Age`; `null` for a fresh response. */
export function readStaleness(headers: Headers, now: number = Date.now()): Staleness | null {
  if (headers.get('x-data-stale')?.trim().toLowerCase() !== 'true') return null;
  const age = headers.get('age')?.trim() ?? '';
  return { ageSeconds: /^\d+$/.test(age) ? Number(age) : null, receivedAt: now };
}

/** The moment the data was last known to be current, or `null` when its age is unknown. */
export function staleSince(stale: Staleness): Date | null {
  return stale.ageSeconds === null ? null : new Date(stale.receivedAt - stale.ageSeconds * 1000);
}
