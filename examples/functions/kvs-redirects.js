// Redirect map in a key value store: key = old path, value = new URL (absolute or a path). A path
// not in the store goes on to the cache and the origin. Change the map without touching the code.
// Runtime cloudfront-js-2.0, one key value store associated. Event: viewer-request.
import cf from 'cloudfront';

const redirects = cf.kvs();

async function handler(event) {
  const request = event.request;
  let target;
  try {
    target = await redirects.get(request.uri);
  } catch (err) {
    return request; // not in the map
  }
  return {
    statusCode: 301,
    statusDescription: 'Moved Permanently',
    headers: { location: { value: target } },
  };
}
