/**
 * Website request resolution (docs/s3-website-rules.md#evaluation-order, steps 1–9), as pure steps.
 *
 * The executor (apps/origin/src/website) runs a small loop:
 *
 *   let d = planRequest(config, request);
 *   while (d.kind === 'lookup') d = onLookupResult(config, request, d, await look(d));
 *   // d is now 'serve' | 'redirect' | 'errorPage'
 *
 * Every decision is a tagged value: nothing here mutates the request or
 * returns positional results (cloudserver's trap), and no step does I/O.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/how-to-page-redirect.html
 */
import { websiteErrors, type WebsitePageError } from './errors.js';
import type { RoutingRule, WebsiteConfiguration } from './types.js';

export interface WebsiteRequest {
  method: string;
  /** The path as received, still percent-encoded, without the query string. */
  path: string;
  /** The scheme the client used: the default Protocol of redirects. */
  scheme: 'http' | 'https';
  /** The Host header as received (port included): the default HostName of rule redirects. */
  host: string;
}

/** Why a key is being read; decides what a miss or a hit leads to. */
export type LookupPurpose =
  /** The requested object (step 7). */
  | 'object'
  /** A rule with HttpRedirectCode 200 (bucketfront SPA fallback): serve this key with 200. */
  | 'fallback'
  /** The ErrorDocument (step 9). */
  | 'errorDocument';

export interface LookupDecision {
  kind: 'lookup';
  purpose: LookupPurpose;
  /** The key to read anonymously. */
  key: string;
  /** The key from the URL, before any index suffix: what error-code rules match (step 8). */
  originalKey: string;
  /**
   * purpose 'object' only: when the key is missing, check whether this
   * `key/Suffix` exists; if so answer 302 to `location` (step 7).
   */
  indexRedirect?: { key: string; location: string };
  /** purposes 'fallback' and 'errorDocument': the error being answered. */
  error?: WebsitePageError;
}

export type FinalDecision =
  /** Serve the object just looked up, as GetObject does. */
  | {
      kind: 'serve';
      purpose: LookupPurpose;
      key: string;
      status: number;
      /** Set for an error document: the original error (for `x-amz-error-*` headers). */
      error?: WebsitePageError;
      /** Only a requested object honours Range and conditional headers (docs/s3-website-rules.md#error-document). */
      honourConditionals: boolean;
    }
  /** A redirect with an empty body, or with the page of `page` (the implicit 302). */
  | { kind: 'redirect'; status: number; location: string; page?: WebsitePageError }
  /** The default HTML page (docs/s3-website-rules.md#error-page). */
  | { kind: 'errorPage'; error: WebsitePageError; errorDocumentFailure?: WebsitePageError };

export type WebsiteDecision = LookupDecision | FinalDecision;

/** What reading a key as an anonymous user gave. */
export type LookupOutcome =
  | { kind: 'readable'; websiteRedirectLocation?: string }
  /** The object exists and anonymous users may not read it. */
  | { kind: 'forbidden' }
  | {
      kind: 'missing';
      /** Anonymous users may s3:ListBucket: a miss is 404, otherwise 403. */
      canListBucket: boolean;
      /** Whether `indexRedirect.key` exists (only asked when the lookup had one). */
      indexRedirectExists?: boolean;
    };

/** Step 1: anything but GET and HEAD gets 405, even with an ErrorDocument (docs/s3-website-rules.md#methods). */
export function checkWebsiteMethod(method: string): WebsitePageError | null {
  return method === 'GET' || method === 'HEAD' ? null : websiteErrors.methodNotAllowed(method);
}

/** Step 4: "the URL-decoded path without its leading /"; null when it is not valid percent-encoding. */
export function keyFromPath(path: string): string | null {
  const raw = path.startsWith('/') ? path.slice(1) : path;
  if (!raw.includes('%')) return raw;
  try {
    return decodeURIComponent(raw);
  } catch {
    return null;
  }
}

/**
 * Percent-encodes a key for a Location header: spaces, controls and
 * non-ASCII, keeping `/ ? = &` so that ReplaceKeyPrefixWith values such as
 * `resize?path=` (a common image-resizer recipe) still work.
 */
export function keyToLocationPath(key: string): string {
  return encodeURI(key);
}

/** The redirect code of a rule: HttpRedirectCode, default 301 (docs/s3-website-rules.md#redirect-location). */
export function ruleRedirectCode(rule: RoutingRule): number {
  return rule.redirect.httpRedirectCode ?? 301;
}

/** Whether a rule is bucketfront's SPA fallback (HttpRedirectCode 200). Deviation from S3. */
export function isRewriteRule(rule: RoutingRule): boolean {
  return rule.redirect.httpRedirectCode === 200;
}

/**
 * Step 10 `newKey`: ReplaceKeyWith; else ReplaceKeyPrefixWith in place of the
 * matched KeyPrefixEquals (prepended when there is none, an empty value
 * strips the prefix); else the unchanged key (docs/s3-website-rules.md#redirect-location).
 */
export function ruleTargetKey(rule: RoutingRule, key: string): string {
  const { replaceKeyWith, replaceKeyPrefixWith } = rule.redirect;
  if (replaceKeyWith !== undefined) return replaceKeyWith;
  if (replaceKeyPrefixWith !== undefined) {
    const prefix = rule.condition?.keyPrefixEquals ?? '';
    return replaceKeyPrefixWith + key.slice(prefix.length);
  }
  return key;
}

/** Step 10: `Location: {Protocol or request scheme}://{HostName or request Host}/{newKey}`. */
export function ruleRedirectLocation(rule: RoutingRule, key: string, request: WebsiteRequest): string {
  const protocol = rule.redirect.protocol ?? request.scheme;
  const host = rule.redirect.hostName ?? request.host;
  return `${protocol}://${host}/${keyToLocationPath(ruleTargetKey(rule, key))}`;
}

/** Step 5: the first rule without an error-code condition whose KeyPrefixEquals (if any) prefixes `key`. */
export function findKeyPrefixRule(rules: readonly RoutingRule[] | undefined, key: string): RoutingRule | undefined {
  return rules?.find((rule) => rule.condition?.httpErrorCodeReturnedEquals === undefined && (rule.condition?.keyPrefixEquals === undefined || key.startsWith(rule.condition.keyPrefixEquals)));
}

/** The statuses that mean "the requester may not read this key": absent (404) or, without s3:ListBucket or readable, 403. */
const NOT_READABLE: ReadonlySet<number> = new Set([403, 404]);

/** Whether `rule` is an error-code rule for `status` whose KeyPrefixEquals (if any) prefixes `originalKey`. */
function errorRuleMatches(rule: RoutingRule, codes: (code: number) => boolean, originalKey: string): boolean {
  const code = rule.condition?.httpErrorCodeReturnedEquals;
  const prefix = rule.condition?.keyPrefixEquals;
  return code !== undefined && codes(code) && (prefix === undefined || originalKey.startsWith(prefix));
}

/**
 * Step 8: the first rule whose HttpErrorCodeReturnedEquals is `status` (and KeyPrefixEquals, if
 * any, prefixes the original key) (docs/s3-website-rules.md#routing-rules).
 *
 * Deviation from S3 for the SPA fallback only: when no rule names `status` and `status` is 403
 * or 404, the first HttpRedirectCode 200 rule naming 403 or 404 applies. S3 answers a missing
 * key 403 AccessDenied unless anonymous users may s3:ListBucket, and a private key 403 always
 * (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html, "Permissions"), so a
 * fallback that matched only 404 would never apply under a read-only policy or public-read ACLs,
 * and would answer a private key differently from an absent one. CloudFront SPAs configure
 * custom error responses for both codes
 * (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/GeneratingCustomErrorResponses.html).
 * A rule naming the exact status still wins, so an explicit 403 rule keeps its meaning.
 */
export function findErrorCodeRule(rules: readonly RoutingRule[] | undefined, status: number, originalKey: string): RoutingRule | undefined {
  if (!rules) return undefined;
  const exact = rules.find((rule) => errorRuleMatches(rule, (code) => code === status, originalKey));
  if (exact || !NOT_READABLE.has(status)) return exact;
  return rules.find((rule) => isRewriteRule(rule) && errorRuleMatches(rule, (code) => NOT_READABLE.has(code), originalKey));
}

/**
 * Step 7's Location: the request path plus `/`, relative as AWS sends it (`Location: /dir/`),
 * and never protocol-relative: a path `//evil.com/dir` would give `//evil.com/dir/`, which a
 * browser reads as another host (a network-path reference, RFC 3986 §4.2,
 * https://www.rfc-editor.org/rfc/rfc3986#section-4.2; browsers treat `/\` alike). The second
 * leading `/` or `\` is percent-encoded instead: `/%2Fevil.com/dir/` names the same key.
 */
export function indexRedirectLocation(path: string): string {
  const rest = path.startsWith('/') ? path.slice(1) : path;
  return `/${rest.replace(/^[/\\]/, (c) => (c === '/' ? '%2F' : '%5C'))}/`;
}

/** Step 6: `''` and `dir/` get the index Suffix appended. */
export function withIndexSuffix(key: string, suffix: string): string {
  return key === '' || key.endsWith('/') ? key + suffix : key;
}

function objectLookup(config: WebsiteConfiguration, key: string, originalKey: string, slashLocation: string): LookupDecision {
  const suffix = config.indexDocument?.suffix ?? 'index.html';
  const lookupKey = withIndexSuffix(key, suffix);
  const decision: LookupDecision = { kind: 'lookup', purpose: 'object', key: lookupKey, originalKey };
  // Step 7: a missing slashless `dir` whose `dir/Suffix` exists → 302 `/dir/` (docs/s3-website-rules.md#index-document).
  if (lookupKey === key && key !== '') decision.indexRedirect = { key: `${key}/${suffix}`, location: slashLocation };
  return decision;
}

/** Steps 1–6: what to do before touching the store. */
export function planRequest(config: WebsiteConfiguration, request: WebsiteRequest): WebsiteDecision {
  const methodError = checkWebsiteMethod(request.method);
  if (methodError) return { kind: 'errorPage', error: methodError };

  // Step 3: RedirectAllRequestsTo, 301 with no permission check; the query string
  // is dropped (unverified on AWS) (docs/s3-website-rules.md#redirect-all).
  if (config.redirectAllRequestsTo) {
    const { hostName, protocol } = config.redirectAllRequestsTo;
    const path = request.path.startsWith('/') ? request.path.slice(1) : request.path;
    return { kind: 'redirect', status: 301, location: `${protocol ?? request.scheme}://${hostName}/${path}` };
  }

  const key = keyFromPath(request.path);
  if (key === null) return { kind: 'errorPage', error: websiteErrors.invalidUri() };

  // Step 5: key-prefix rules, matched against the key before the index suffix,
  // take precedence over the object and its own redirect (docs/s3-website-rules.md#routing-rules).
  const rule = findKeyPrefixRule(config.routingRules, key);
  if (rule && isRewriteRule(rule)) {
    // Deviation from S3 (SPA fallback): serve another key of this bucket, no redirect.
    const target = ruleTargetKey(rule, key);
    return objectLookup(config, target, key, indexRedirectLocation(`/${keyToLocationPath(target)}`));
  }
  if (rule) return { kind: 'redirect', status: ruleRedirectCode(rule), location: ruleRedirectLocation(rule, key, request) };

  return objectLookup(config, key, key, indexRedirectLocation(request.path));
}

/**
 * Steps 8–9 for an error met while serving `originalKey`: an error-code rule
 * (even when an ErrorDocument exists, docs/s3-website-rules.md#routing-rules), else the ErrorDocument for
 * 4XX, else the default page.
 */
export function onError(config: WebsiteConfiguration, request: WebsiteRequest, originalKey: string, error: WebsitePageError): WebsiteDecision {
  const rule = findErrorCodeRule(config.routingRules, error.status, originalKey);
  if (rule && isRewriteRule(rule)) {
    return { kind: 'lookup', purpose: 'fallback', key: ruleTargetKey(rule, originalKey), originalKey, error };
  }
  if (rule) {
    return { kind: 'redirect', status: ruleRedirectCode(rule), location: ruleRedirectLocation(rule, originalKey, request) };
  }
  return errorDocumentOrPage(config, originalKey, error);
}

/** Step 9 without the rules: the ErrorDocument (4XX only, docs/s3-website-rules.md#error-document) or the default page. */
export function errorDocumentOrPage(config: WebsiteConfiguration, originalKey: string, error: WebsitePageError): WebsiteDecision {
  const errorDocument = config.errorDocument?.key;
  if (errorDocument !== undefined && error.status >= 400 && error.status < 500) {
    return { kind: 'lookup', purpose: 'errorDocument', key: errorDocument, originalKey, error };
  }
  return { kind: 'errorPage', error };
}

/** The error a failed lookup of `key` stands for (step 7). */
function lookupError(key: string, outcome: LookupOutcome): WebsitePageError {
  if (outcome.kind === 'missing' && outcome.canListBucket) return websiteErrors.noSuchKey(key);
  return websiteErrors.accessDenied();
}

/** Steps 7–9: the next decision once `lookup.key` has been read. */
export function onLookupResult(config: WebsiteConfiguration, request: WebsiteRequest, lookup: LookupDecision, outcome: LookupOutcome): WebsiteDecision {
  // A readable object with x-amz-website-redirect-location: 301 to the
  // stored value verbatim, empty body; also for an error document,
  // which then loses the original status (docs/s3-website-rules.md#object-redirects).
  if (outcome.kind === 'readable' && outcome.websiteRedirectLocation !== undefined) {
    return { kind: 'redirect', status: 301, location: outcome.websiteRedirectLocation };
  }

  switch (lookup.purpose) {
    case 'object': {
      if (outcome.kind === 'readable') {
        return { kind: 'serve', purpose: 'object', key: lookup.key, status: 200, honourConditionals: true };
      }
      if (outcome.kind === 'missing' && outcome.indexRedirectExists && lookup.indexRedirect) {
        return { kind: 'redirect', status: 302, location: lookup.indexRedirect.location, page: websiteErrors.found() };
      }
      return onError(config, request, lookup.originalKey, lookupError(lookup.key, outcome));
    }
    case 'fallback': {
      const error = lookup.error ?? websiteErrors.noSuchKey(lookup.originalKey);
      if (outcome.kind === 'readable') {
        return { kind: 'serve', purpose: 'fallback', key: lookup.key, status: 200, honourConditionals: true };
      }
      // The fallback target is unreadable: answer the original error, without rules (no loops).
      return errorDocumentOrPage(config, lookup.originalKey, error);
    }
    case 'errorDocument': {
      const error = lookup.error ?? websiteErrors.noSuchKey(lookup.originalKey);
      if (outcome.kind === 'readable') {
        // Served with the original status, Range and conditionals ignored (docs/s3-website-rules.md#error-document).
        return { kind: 'serve', purpose: 'errorDocument', key: lookup.key, status: error.status, error, honourConditionals: false };
      }
      return { kind: 'errorPage', error, errorDocumentFailure: lookupError(lookup.key, outcome) };
    }
  }
}
