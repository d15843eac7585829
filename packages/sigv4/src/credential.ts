/** Parsing of the credential scope: AKID/YYYYMMDD/region/service/aws4_request. */

export interface Credential {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  terminator: string;
}

export function parseCredential(value: string): Credential | undefined {
  const parts = value.split('/');
  if (parts.length < 5) return undefined;
  const [date, region, service, terminator] = parts.slice(-4) as [string, string, string, string];
  const accessKeyId = parts.slice(0, -4).join('/');
  if (accessKeyId === '' || !/^\d{8}$/.test(date) || region === '' || service === '') return undefined;
  return { accessKeyId, date, region, service, terminator };
}

export function scopeOf(c: Pick<Credential, 'date' | 'region' | 'service'>): string {
  return `${c.date}/${c.region}/${c.service}/aws4_request`;
}

/** Parses `Credential=…, SignedHeaders=…, Signature=…` (after the algorithm). */
export function parseAuthorizationComponents(rest: string): { ok: true; values: Map<string, string> } | { ok: false; component: string } {
  const values = new Map<string, string>();
  for (const raw of rest.split(',')) {
    const component = raw.trim();
    if (component === '') continue;
    const eq = component.indexOf('=');
    if (eq <= 0) return { ok: false, component };
    const name = component.slice(0, eq).trim();
    if (!values.has(name)) values.set(name, component.slice(eq + 1).trim());
  }
  return { ok: true, values };
}

const HEADER_NAME = /^[a-z0-9!#$%&'*+\-.^_`|~]+$/;

export function parseSignedHeaders(value: string): string[] | undefined {
  if (value === '') return undefined;
  const names = value.split(';');
  for (const n of names) if (!HEADER_NAME.test(n)) return undefined;
  return names;
}
