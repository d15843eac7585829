/**
 * CloudFront standard log files (legacy, "access logs v1"): W3C extended format, tab-separated,
 * two header lines, 33 fields in AWS's order, `-` for an empty value, URL-encoded values.
 * https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/standard-logs-reference.html
 * https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/AccessLogs.html#LogFileFormat
 */

/** The fields of a log file for a distribution, in order ("Log file fields"). */
export const LOG_FIELDS = [
  'date',
  'time',
  'x-edge-location',
  'sc-bytes',
  'c-ip',
  'cs-method',
  'cs(Host)',
  'cs-uri-stem',
  'sc-status',
  'cs(Referer)',
  'cs(User-Agent)',
  'cs-uri-query',
  'cs(Cookie)',
  'x-edge-result-type',
  'x-edge-request-id',
  'x-host-header',
  'cs-protocol',
  'cs-bytes',
  'time-taken',
  'x-forwarded-for',
  'ssl-protocol',
  'ssl-cipher',
  'x-edge-response-result-type',
  'cs-protocol-version',
  'fle-status',
  'fle-encrypted-fields',
  'c-port',
  'time-to-first-byte',
  'x-edge-detailed-result-type',
  'sc-content-type',
  'sc-content-len',
  'sc-range-start',
  'sc-range-end',
] as const;

export type LogField = (typeof LOG_FIELDS)[number];

/** The two header lines every log file starts with. */
export const LOG_FILE_HEADER = `#Version: 1.0\n#Fields: ${LOG_FIELDS.join(' ')}\n`;

/**
 * A field value as CloudFront writes it: `-` when empty; ASCII 0–32, 127 and above, and
 * `< > " # % { } | \ ^ ~ [ ] ` '` percent-encoded (the table of "Standard log file format"; the
 * bytes of a non-ASCII character are encoded as UTF-8, RFC 1738 style).
 */
export function logValue(v: string | undefined): string {
  if (v === undefined || v === '') return '-';
  if (!NEEDS_ENCODING.test(v)) return v;
  let out = '';
  for (const byte of Buffer.from(v, 'utf8')) {
    out += byte <= 32 || byte >= 127 || ENCODED.has(byte) ? `%${byte.toString(16).toUpperCase().padStart(2, '0')}` : String.fromCharCode(byte);
  }
  return out;
}

const NEEDS_ENCODING = /[\u0000-\u0020\u007f-\uffff<>"#%{}|\\^~[\]`']/;
const ENCODED = new Set([...'<>"#%{}|\\^~[]`\''].map((c) => c.charCodeAt(0)));

/** `date` and `time` fields (UTC) of an epoch-ms instant. */
export function logDateTime(ms: number): { date: string; time: string } {
  const iso = new Date(ms).toISOString(); // 2019-12-04T21:02:31.123Z
  return { date: iso.slice(0, 10), time: iso.slice(11, 19) };
}

/** Seconds with three decimals (time-taken, time-to-first-byte). */
export const seconds = (ms: number): string => (Math.max(0, ms) / 1000).toFixed(3);

/**
 * `<prefix>/<distribution ID>.YYYY-MM-DD-HH.<unique ID>.gz` ("File name format"): the hour of the
 * requests (UTC); a prefix that does not end with `/` gets one, as CloudFront adds it.
 * https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/AccessLogs.html#AccessLogsFileNaming
 */
export function logFileKey(prefix: string, distributionId: string, hour: string, uniqueId: string): string {
  const p = prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
  return `${p}${distributionId}.${hour}.${uniqueId}.gz`;
}

/** `YYYY-MM-DD-HH` of a record's `date` and `time` fields. */
export const hourOf = (date: string, time: string): string => `${date}-${time.slice(0, 2)}`;
