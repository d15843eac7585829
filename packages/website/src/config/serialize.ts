/**
 * {@link WebsiteConfiguration} → the GetBucketWebsite body, elements in the
 * AWS's schema order (docs/s3-website-rules.md#configuration), namespace 2006-03-01.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketWebsite.html
 */
import type { RoutingRule, WebsiteConfiguration } from '../types.js';
import { escapeXml } from '@bucketfront/http-basics';

export const S3_XML_NAMESPACE = 'http://s3.amazonaws.com/doc/2006-03-01/';

function el(name: string, value: string | number | undefined): string {
  return value === undefined ? '' : `<${name}>${escapeXml(String(value))}</${name}>`;
}

function rule({ condition, redirect }: RoutingRule): string {
  const conditionXml = condition ? `<Condition>${el('HttpErrorCodeReturnedEquals', condition.httpErrorCodeReturnedEquals)}${el('KeyPrefixEquals', condition.keyPrefixEquals)}</Condition>` : '';
  const redirectXml =
    '<Redirect>' +
    el('HostName', redirect.hostName) +
    el('HttpRedirectCode', redirect.httpRedirectCode) +
    el('Protocol', redirect.protocol) +
    el('ReplaceKeyPrefixWith', redirect.replaceKeyPrefixWith) +
    el('ReplaceKeyWith', redirect.replaceKeyWith) +
    '</Redirect>';
  return `<RoutingRule>${conditionXml}${redirectXml}</RoutingRule>`;
}

export function serializeWebsiteConfiguration(config: WebsiteConfiguration): string {
  let body = '';
  if (config.redirectAllRequestsTo) {
    const { hostName, protocol } = config.redirectAllRequestsTo;
    body += `<RedirectAllRequestsTo>${el('HostName', hostName)}${el('Protocol', protocol)}</RedirectAllRequestsTo>`;
  }
  if (config.indexDocument) body += `<IndexDocument>${el('Suffix', config.indexDocument.suffix)}</IndexDocument>`;
  if (config.errorDocument) body += `<ErrorDocument>${el('Key', config.errorDocument.key)}</ErrorDocument>`;
  if (config.routingRules && config.routingRules.length > 0) {
    body += `<RoutingRules>${config.routingRules.map(rule).join('')}</RoutingRules>`;
  }
  return `<?xml version="1.0" encoding="UTF-8"?>\n<WebsiteConfiguration xmlns="${S3_XML_NAMESPACE}">${body}</WebsiteConfiguration>`;
}
