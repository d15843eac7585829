/**
 * HTTP dates (RFC 9110 §5.6.7, https://www.rfc-editor.org/rfc/rfc9110#section-5.6.7).
 * One parser with one return type: milliseconds since the epoch, `undefined` when absent or invalid.
 */

/** IMF-fixdate, the form senders must generate: `Sun, 06 Nov 1994 08:49:37 GMT`. */
const IMF_FIXDATE = /^[A-Za-z]{3}, \d{2} [A-Za-z]{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/;

/**
 * Any date a recipient must accept (IMF-fixdate and the obsolete RFC 850 and asctime forms,
 * which `Date.parse` reads). `strict` accepts IMF-fixdate only (the SigV4 `Date` header fallback).
 */
export function parseHttpDate(value: string | null | undefined, options: { strict?: boolean } = {}): number | undefined {
  if (!value) return undefined;
  if (options.strict && !IMF_FIXDATE.test(value.trim())) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

/** IMF-fixdate of `ms` (or now): `Last-Modified`, `Date`, `Expires`. */
export function formatHttpDate(ms: number = Date.now()): string {
  return new Date(ms).toUTCString();
}
