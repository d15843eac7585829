/**
 * @bucketfront/website — pure S3 static-website logic (no I/O): the
 * configuration document, website host names, request resolution and the
 * default HTML pages. Rules: docs/s3-website-rules.md.
 * @module
 */
export * from './types.js';
export * from './errors.js';
export { parseWebsiteConfiguration, type ParseWebsiteOptions, WEBSITE_MESSAGES, MAX_ROUTING_RULES, MAX_WEBSITE_CONFIGURATION_BYTES } from './config/parse.js';
export { serializeWebsiteConfiguration, S3_XML_NAMESPACE } from './config/serialize.js';
export { classifyWebsiteHost, type WebsiteHost, type WebsiteHostOptions } from './host.js';
export * from './resolve.js';
export {
  renderWebsiteErrorPage,
  statusLine,
  WEBSITE_ERROR_PAGE_CONTENT_TYPE,
  type WebsiteErrorPageInput,
} from './error-page.js';

import { planRequest } from './resolve.js';
import { renderWebsiteErrorPage } from './error-page.js';
/** The name docs/contracts.md uses for the first pure step ({@link planRequest}). */
export const resolveWebsite = planRequest;
/** The name docs/contracts.md uses for {@link renderWebsiteErrorPage}. */
export const renderErrorPage = renderWebsiteErrorPage;
