/**
 * The CORSConfiguration document of PutBucketCors / GetBucketCors, and rule matching
 * (docs/cors.md):
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketCors.html
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_CORSRule.html
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/cors.html
 */
import { escapeXml } from '@bucketfront/http-basics';
import { S3Error } from '../errors.js';
import { malformedXml, parseXmlTree, S3_XMLNS, textOf, XML_DECLARATION } from './codec.js';

export interface CorsRule {
  id?: string;
  allowedHeaders: string[];
  allowedMethods: string[];
  allowedOrigins: string[];
  exposeHeaders: string[];
  maxAgeSeconds?: number;
}

export interface CorsConfiguration {
  rules: CorsRule[];
}

/** "You can have up to 100 rules" / the 64 KB configuration limit (userguide/cors.html). */
export const MAX_CORS_RULES = 100;
export const MAX_CORS_CONFIGURATION_BYTES = 64 * 1024;
export const CORS_METHODS = ['GET', 'PUT', 'HEAD', 'POST', 'DELETE'] as const;

const RULE_FIELDS = new Set(['ID', 'AllowedHeader', 'AllowedMethod', 'AllowedOrigin', 'ExposeHeader', 'MaxAgeSeconds']);

type Node = Record<string, unknown>;

const asList = (v: unknown): unknown[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

function texts(v: unknown): string[] | null {
  const out: string[] = [];
  for (const item of asList(v)) {
    const t = textOf(item);
    if (t === null) return null;
    out.push(t.trim());
  }
  return out;
}

const wildcards = (s: string): number => s.split('*').length - 1;

function parseRule(node: unknown): CorsRule | S3Error {
  if (node === null || typeof node !== 'object' || Array.isArray(node)) return malformedXml();
  const el = node as Node;
  for (const name of Object.keys(el)) if (name !== '#text' && !RULE_FIELDS.has(name)) return malformedXml();
  const methods = texts(el.AllowedMethod);
  const origins = texts(el.AllowedOrigin);
  const headers = texts(el.AllowedHeader);
  const expose = texts(el.ExposeHeader);
  if (methods === null || origins === null || headers === null || expose === null) return malformedXml();
  if (methods.length === 0 || origins.length === 0) return malformedXml();
  for (const m of methods) {
    if (!(CORS_METHODS as readonly string[]).includes(m)) return new S3Error('InvalidRequest', `Found unsupported HTTP method in CORS config. Unsupported method is ${m}`);
  }
  for (const o of origins) if (wildcards(o) > 1) return new S3Error('InvalidRequest', `AllowedOrigin "${o}" can not have more than one wildcard.`);
  for (const h of headers) if (wildcards(h) > 1) return new S3Error('InvalidRequest', `AllowedHeader "${h}" can not have more than one wildcard.`);
  const rule: CorsRule = { allowedHeaders: headers, allowedMethods: methods, allowedOrigins: origins, exposeHeaders: expose };
  if (el.ID !== undefined) {
    if (Array.isArray(el.ID)) return malformedXml();
    const id = textOf(el.ID);
    if (id === null) return malformedXml();
    if (id.length > 255) return new S3Error('InvalidArgument', 'ID length should not exceed allowed limit of 255', { ArgumentName: 'ID', ArgumentValue: id });
    rule.id = id;
  }
  if (el.MaxAgeSeconds !== undefined) {
    if (Array.isArray(el.MaxAgeSeconds)) return malformedXml();
    const t = textOf(el.MaxAgeSeconds)?.trim() ?? '';
    if (!/^-?\d{1,10}$/.test(t)) return malformedXml();
    rule.maxAgeSeconds = Number(t);
  }
  return rule;
}

/**
 * Parses and validates a PutBucketCors body as S3 does: schema violations are MalformedXML,
 * an unsupported method or a second `*` is InvalidRequest with S3's message.
 */
export function parseCorsConfiguration(xml: string | Buffer): CorsConfiguration | S3Error {
  const tree = parseXmlTree(xml, MAX_CORS_CONFIGURATION_BYTES);
  if (tree instanceof S3Error) return tree;
  if (Object.keys(tree).length !== 1 || !('CORSConfiguration' in tree)) return malformedXml();
  const root = tree.CORSConfiguration;
  if (root === null || typeof root !== 'object' || Array.isArray(root)) return malformedXml();
  for (const name of Object.keys(root)) if (name !== 'CORSRule' && name !== '#text') return malformedXml();
  const nodes = asList((root as Node).CORSRule);
  if (nodes.length === 0) return malformedXml();
  if (nodes.length > MAX_CORS_RULES) return new S3Error('InvalidRequest', `Found ${nodes.length} CORSRules. The maximum number of CORSRules allowed is ${MAX_CORS_RULES}.`);
  const rules: CorsRule[] = [];
  for (const node of nodes) {
    const rule = parseRule(node);
    if (rule instanceof S3Error) return rule;
    rules.push(rule);
  }
  return { rules };
}

/** The document GetBucketCors answers with (and the form the origin stores). */
export function serializeCorsConfiguration(config: CorsConfiguration): string {
  const list = (el: string, values: string[]): string => values.map((v) => `<${el}>${escapeXml(v)}</${el}>`).join('');
  let out = '';
  for (const r of config.rules) {
    out += '<CORSRule>';
    if (r.id !== undefined) out += `<ID>${escapeXml(r.id)}</ID>`;
    out += list('AllowedHeader', r.allowedHeaders) + list('AllowedMethod', r.allowedMethods) + list('AllowedOrigin', r.allowedOrigins) + list('ExposeHeader', r.exposeHeaders);
    if (r.maxAgeSeconds !== undefined) out += `<MaxAgeSeconds>${r.maxAgeSeconds}</MaxAgeSeconds>`;
    out += '</CORSRule>';
  }
  return `${XML_DECLARATION}<CORSConfiguration xmlns="${S3_XMLNS}">${out}</CORSConfiguration>`;
}

/** `*` matches any run of characters (at most one per pattern); origins compare exactly, header names case-insensitively. */
function wildcardMatch(pattern: string, value: string): boolean {
  const star = pattern.indexOf('*');
  if (star < 0) return pattern === value;
  const prefix = pattern.slice(0, star);
  const suffix = pattern.slice(star + 1);
  return value.length >= prefix.length + suffix.length && value.startsWith(prefix) && value.endsWith(suffix);
}

/**
 * The first rule that allows this origin, method and every requested header, as S3 evaluates
 * them (userguide/cors.html "How does Amazon S3 evaluate the CORS configuration").
 */
export function matchCorsRule(config: CorsConfiguration, origin: string, method: string, requestHeaders: readonly string[] = []): CorsRule | null {
  for (const rule of config.rules) {
    if (!rule.allowedMethods.includes(method)) continue;
    if (!rule.allowedOrigins.some((o) => wildcardMatch(o, origin))) continue;
    const allowed = rule.allowedHeaders.map((h) => h.toLowerCase());
    if (!requestHeaders.every((h) => allowed.some((a) => wildcardMatch(a, h.toLowerCase())))) continue;
    return rule;
  }
  return null;
}

/**
 * The Access-Control-* headers S3 answers for a matched rule: the request's Origin (or `*` when the
 * rule allows every origin and credentials are not involved), the rule's methods, `Vary`.
 * `requestHeaders` is echoed on a preflight only.
 */
export function corsResponseHeaders(rule: CorsRule, origin: string, requestHeaders: readonly string[] | null): string[] {
  const out: string[] = [];
  out.push('Access-Control-Allow-Origin', rule.allowedOrigins.includes('*') ? '*' : origin);
  out.push('Access-Control-Allow-Methods', rule.allowedMethods.join(', '));
  if (requestHeaders !== null && requestHeaders.length > 0) out.push('Access-Control-Allow-Headers', requestHeaders.join(', '));
  if (rule.exposeHeaders.length > 0) out.push('Access-Control-Expose-Headers', rule.exposeHeaders.join(', '));
  if (rule.maxAgeSeconds !== undefined) out.push('Access-Control-Max-Age', String(rule.maxAgeSeconds));
  // S3 sends Access-Control-Allow-Credentials: true unless the origin is the `*` wildcard.
  if (!rule.allowedOrigins.includes('*')) out.push('Access-Control-Allow-Credentials', 'true');
  out.push('Vary', 'Origin, Access-Control-Request-Headers, Access-Control-Request-Method');
  return out;
}

/** The comma-separated Access-Control-Request-Headers list, lower-cased as browsers send it. */
export function parseRequestHeaderList(value: string | undefined): string[] {
  if (value === undefined) return [];
  return value
    .split(',')
    .map((h) => h.trim().toLowerCase())
    .filter((h) => h !== '');
}
