// Security headers on every successful response (CloudFront runs no viewer-response function for
// origin errors). Adjust the Content-Security-Policy to what the site loads. Event: viewer-response.
function handler(event) {
  var response = event.response;
  var headers = response.headers;
  headers['strict-transport-security'] = { value: 'max-age=63072000; includeSubDomains; preload' };
  headers['content-security-policy'] = { value: "default-src 'self'; img-src 'self' data:; object-src 'none'; frame-ancestors 'none'" };
  headers['x-content-type-options'] = { value: 'nosniff' };
  headers['x-frame-options'] = { value: 'DENY' };
  headers['referrer-policy'] = { value: 'strict-origin-when-cross-origin' };
  return response;
}
