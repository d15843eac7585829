/**
 * The S3 website endpoint. The origin router calls
 * `handleWebsiteRequest` for website hosts on the API port and for every
 * request on the website port.
 */
export { handleWebsiteRequest, type WebsiteRequestContext } from './handle.js';
