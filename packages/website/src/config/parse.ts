/**
 * PutBucketWebsite body → {@link WebsiteConfiguration}, with every validation
 * of docs/s3-website-rules.md#configuration. Where S3's own message is known it is used
 * exactly; the others use the wording versitygw/Ceph agree on.
 *
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketWebsite.html
 */
import { decodeXmlEntities, parseXml, XmlRefusal } from '@bucketfront/http-basics';
import type { ParseWebsiteConfigurationResult, RoutingRule, RoutingRuleCondition, RoutingRuleRedirect, WebsiteConfiguration, WebsiteProtocol } from '../types.js';

/** "The maximum size of a website configuration is 128 KB" (docs/s3-website-rules.md#configuration). */
export const MAX_WEBSITE_CONFIGURATION_BYTES = 128 * 1024;
/** At most 50 routing rules (docs/s3-website-rules.md#configuration). */
export const MAX_ROUTING_RULES = 50;

export const WEBSITE_MESSAGES = {
  malformedXml: 'The XML you provided was not well-formed or did not validate against our published schema',
  indexRequired: 'A value for IndexDocument Suffix must be provided if RedirectAllRequestsTo is empty',
  suffixNotWellFormed: 'The IndexDocument Suffix is not well formed',
  redirectAllConjunction: 'RedirectAllRequestsTo cannot be provided in conjunction with other Routing Rules.',
  invalidProtocol: 'Invalid protocol, protocol can be http or https. If not defined the protocol will be selected automatically.',
  bothReplaceKey: 'You can only define ReplaceKeyPrefix or ReplaceKey but not both.',
  emptyCondition: "Condition cannot be empty. To redirect all requests without a condition, the condition element shouldn't be present.",
  blankHostName: 'The HostName cannot be blank. To redirect within the same domain, the element should not be present.',
  tooManyRules: (n: number) => `${n} routing rules provided, the number of routing rules in a website configuration is limited to 50.`,
  invalidRedirectCode: (raw: string) => `The provided HTTP redirect code (${raw}) is not valid. Valid codes are 3XX except 300.`,
  invalidErrorCode: (raw: string) => `The provided HTTP error code (${raw}) is not valid. Valid codes are 4XX or 5XX.`,
  tooLarge: 'The website configuration must not exceed 128 KB.',
  spaRedirectCode: 'HttpRedirectCode 200 serves a key of this bucket (bucketfront SPA fallback) and cannot be combined with HostName or Protocol.',
} as const;

type Failure = Extract<ParseWebsiteConfigurationResult, { ok: false }>;

/** Thrown inside this module only, caught by {@link parseWebsiteConfiguration}. */
class Refusal {
  constructor(readonly failure: Failure) {}
}

const fail = (code: string, message: string): Failure => ({ ok: false, status: 400, code, message });
const malformed = (): Refusal => new Refusal(fail('MalformedXML', WEBSITE_MESSAGES.malformedXml));
const invalidRequest = (message: string): Refusal => new Refusal(fail('InvalidRequest', message));

type XmlNode = Record<string, unknown>;

const isBlank = (text: string): boolean => text.trim() === '';

/** The children of an element; an empty element (`<X/>`) has none. Text content is refused. */
function element(value: unknown, allowed: readonly string[]): XmlNode {
  if (typeof value === 'string' && isBlank(value)) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw malformed();
  const node = { ...(value as XmlNode) };
  const text = node['#text'];
  if (text !== undefined) {
    // Indentation between child elements is fine; other text is not.
    if (typeof text !== 'string' || !isBlank(text)) throw malformed();
    delete node['#text'];
  }
  for (const name of Object.keys(node)) if (!allowed.includes(name)) throw malformed();
  return node;
}

/** A leaf's text, decoded; repeated or nested elements are refused. */
function leaf(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw malformed();
  const text = decodeXmlEntities(value);
  if (text === null) throw malformed();
  return text;
}

/** A leaf holding a token (number, protocol, host name): surrounding whitespace is ignored. */
function token(value: unknown): string | undefined {
  return leaf(value)?.trim();
}

/** An element that must appear at most once. */
function single(node: XmlNode, name: string): unknown {
  const value = node[name];
  if (Array.isArray(value)) throw malformed();
  return value;
}

function protocol(raw: string | undefined): WebsiteProtocol | undefined {
  if (raw === undefined) return undefined;
  if (raw !== 'http' && raw !== 'https') throw invalidRequest(WEBSITE_MESSAGES.invalidProtocol);
  return raw;
}

function isDecimal(raw: string): boolean {
  return /^[0-9]{1,9}$/.test(raw);
}

function parseCondition(value: unknown): RoutingRuleCondition {
  const node = element(value, ['HttpErrorCodeReturnedEquals', 'KeyPrefixEquals']);
  const errorCode = token(single(node, 'HttpErrorCodeReturnedEquals'));
  const keyPrefix = leaf(single(node, 'KeyPrefixEquals'));
  if (errorCode === undefined && keyPrefix === undefined) throw invalidRequest(WEBSITE_MESSAGES.emptyCondition);
  const condition: RoutingRuleCondition = {};
  if (errorCode !== undefined) {
    const n = Number(errorCode);
    if (!isDecimal(errorCode) || n < 400 || n > 599) throw invalidRequest(WEBSITE_MESSAGES.invalidErrorCode(errorCode));
    condition.httpErrorCodeReturnedEquals = n;
  }
  if (keyPrefix !== undefined) condition.keyPrefixEquals = keyPrefix;
  return condition;
}

function parseRedirect(value: unknown, opts: ParseWebsiteOptions): RoutingRuleRedirect {
  const node = element(value, ['HostName', 'HttpRedirectCode', 'Protocol', 'ReplaceKeyPrefixWith', 'ReplaceKeyWith']);
  const redirect: RoutingRuleRedirect = {};
  const hostName = token(single(node, 'HostName'));
  const code = token(single(node, 'HttpRedirectCode'));
  const proto = protocol(token(single(node, 'Protocol')));
  const replacePrefix = leaf(single(node, 'ReplaceKeyPrefixWith'));
  const replaceKey = leaf(single(node, 'ReplaceKeyWith'));
  if (code !== undefined) {
    const n = Number(code);
    // "Valid codes are 3XX except 300" (docs/s3-website-rules.md#configuration), yet AWS also refuses unassigned
    // ones such as 314 (s3-tests' TODO quotes that error): accept 301–308.
    // bucketfront extension, only when enabled: 200 is the SPA fallback (Garage's convention);
    // otherwise 200 is refused exactly as AWS refuses it.
    const isRedirect = isDecimal(code) && n >= 301 && n <= 308;
    const isSpaFallback = code === '200' && opts.allowSpaFallback === true;
    if (!isRedirect && !isSpaFallback) throw invalidRequest(WEBSITE_MESSAGES.invalidRedirectCode(code));
    redirect.httpRedirectCode = n;
  }
  if (replacePrefix !== undefined && replaceKey !== undefined) throw invalidRequest(WEBSITE_MESSAGES.bothReplaceKey);
  if (hostName === '') throw invalidRequest(WEBSITE_MESSAGES.blankHostName);
  if (redirect.httpRedirectCode === 200 && (hostName !== undefined || proto !== undefined)) {
    throw invalidRequest(WEBSITE_MESSAGES.spaRedirectCode);
  }
  if (hostName !== undefined) redirect.hostName = hostName;
  if (proto !== undefined) redirect.protocol = proto;
  if (replacePrefix !== undefined) redirect.replaceKeyPrefixWith = replacePrefix;
  if (replaceKey !== undefined) redirect.replaceKeyWith = replaceKey;
  return redirect;
}

function parseRoutingRules(value: unknown, opts: ParseWebsiteOptions): RoutingRule[] {
  const node = element(value, ['RoutingRule']);
  const raw = node.RoutingRule;
  // An empty <RoutingRules/> fails the schema (minOccurs=1), as S3 answers.
  if (raw === undefined) throw malformed();
  const list = Array.isArray(raw) ? raw : [raw];
  if (list.length > MAX_ROUTING_RULES) throw invalidRequest(WEBSITE_MESSAGES.tooManyRules(list.length));
  return list.map((ruleValue) => {
    const rule = element(ruleValue, ['Condition', 'Redirect']);
    const redirectValue = single(rule, 'Redirect');
    if (redirectValue === undefined) throw malformed();
    const conditionValue = single(rule, 'Condition');
    const condition = conditionValue === undefined ? undefined : parseCondition(conditionValue);
    const redirect = parseRedirect(redirectValue, opts);
    return condition === undefined ? { redirect } : { condition, redirect };
  });
}

function parseDocument(xml: string, opts: ParseWebsiteOptions): WebsiteConfiguration {
  // The shared XML policy (no DTDs, no entity expansion, well-formed only): any refusal is MalformedXML.
  let tree: XmlNode;
  try {
    tree = parseXml(xml);
  } catch (err) {
    if (err instanceof XmlRefusal) throw malformed();
    throw err;
  }
  const doc = element(tree, ['WebsiteConfiguration']);
  if (doc.WebsiteConfiguration === undefined) throw malformed();
  const root = element(single(doc, 'WebsiteConfiguration'), ['RedirectAllRequestsTo', 'IndexDocument', 'ErrorDocument', 'RoutingRules']);
  const config: WebsiteConfiguration = {};

  const redirectAllValue = single(root, 'RedirectAllRequestsTo');
  const indexValue = single(root, 'IndexDocument');
  const errorValue = single(root, 'ErrorDocument');
  const rulesValue = single(root, 'RoutingRules');

  if (redirectAllValue !== undefined) {
    if (indexValue !== undefined || errorValue !== undefined || rulesValue !== undefined) {
      throw new Refusal(fail('InvalidArgument', WEBSITE_MESSAGES.redirectAllConjunction));
    }
    const node = element(redirectAllValue, ['HostName', 'Protocol']);
    const hostName = token(single(node, 'HostName'));
    if (hostName === undefined) throw malformed();
    if (hostName === '') throw invalidRequest(WEBSITE_MESSAGES.blankHostName);
    const proto = protocol(token(single(node, 'Protocol')));
    config.redirectAllRequestsTo = proto === undefined ? { hostName } : { hostName, protocol: proto };
    return config;
  }

  const suffix = indexValue === undefined ? undefined : leaf(single(element(indexValue, ['Suffix']), 'Suffix'));
  if (suffix === undefined) throw new Refusal(fail('InvalidArgument', WEBSITE_MESSAGES.indexRequired));
  if (suffix === '' || suffix.includes('/')) throw new Refusal(fail('InvalidArgument', WEBSITE_MESSAGES.suffixNotWellFormed));
  config.indexDocument = { suffix };

  if (errorValue !== undefined) {
    const key = leaf(single(element(errorValue, ['Key']), 'Key'));
    if (key === undefined || key === '') throw malformed();
    config.errorDocument = { key };
  }
  if (rulesValue !== undefined) config.routingRules = parseRoutingRules(rulesValue, opts);
  return config;
}

export interface ParseWebsiteOptions {
  /** Accept routing rules with HttpRedirectCode 200 (bucketfront's SPA fallback). Default false: AWS's rules. */
  allowSpaFallback?: boolean;
}

/**
 * Validates a PutBucketWebsite body. Never throws: failures are values with
 * the S3 code, status 400 and message to send.
 */
export function parseWebsiteConfiguration(xml: string | Uint8Array, opts: ParseWebsiteOptions = {}): ParseWebsiteConfigurationResult {
  const size = typeof xml === 'string' ? Buffer.byteLength(xml) : xml.byteLength;
  if (size > MAX_WEBSITE_CONFIGURATION_BYTES) return fail('InvalidRequest', WEBSITE_MESSAGES.tooLarge);
  const text = typeof xml === 'string' ? xml : Buffer.from(xml.buffer, xml.byteOffset, xml.byteLength).toString('utf8');
  if (text.trim() === '') return fail('MalformedXML', WEBSITE_MESSAGES.malformedXml);
  try {
    return { ok: true, config: parseDocument(text, opts) };
  } catch (err) {
    if (err instanceof Refusal) return err.failure;
    throw err;
  }
}
