/**
 * The S3 website configuration model
 * (https://docs.aws.amazon.com/AmazonS3/latest/API/API_WebsiteConfiguration.html).
 *
 * Field names mirror the XML elements in camelCase. Values are kept as the
 * user sent them (after validation), so serialize(parse(x)) round-trips.
 */

export type WebsiteProtocol = 'http' | 'https';

/** `<RedirectAllRequestsTo>`: every request is answered with a 301 to this host. */
export interface RedirectAllRequestsTo {
  hostName: string;
  protocol?: WebsiteProtocol;
}

/** `<Condition>`: at least one of the two is present (an empty Condition is refused). */
export interface RoutingRuleCondition {
  /** 4XX or 5XX. */
  httpErrorCodeReturnedEquals?: number;
  keyPrefixEquals?: string;
}

/** `<Redirect>`: how to build the Location of a rule redirect. */
export interface RoutingRuleRedirect {
  hostName?: string;
  /**
   * 301–308 (default 301 when absent; AWS: "3XX except 300").
   * Deviation from S3: 200 is also accepted (Garage's SPA convention): the
   * computed key is served from this bucket with status 200, no redirect.
   */
  httpRedirectCode?: number;
  protocol?: WebsiteProtocol;
  replaceKeyPrefixWith?: string;
  replaceKeyWith?: string;
}

export interface RoutingRule {
  condition?: RoutingRuleCondition;
  redirect: RoutingRuleRedirect;
}

export interface WebsiteConfiguration {
  redirectAllRequestsTo?: RedirectAllRequestsTo;
  indexDocument?: { suffix: string };
  errorDocument?: { key: string };
  routingRules?: RoutingRule[];
}

/** An S3 error as a value: what the website pages and XML APIs need. */
export interface WebsiteError {
  status: number;
  code: string;
  message: string;
}

export type ParseWebsiteConfigurationResult = { ok: true; config: WebsiteConfiguration } | ({ ok: false; status: 400 } & Omit<WebsiteError, 'status'>);
