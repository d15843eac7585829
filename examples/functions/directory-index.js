// Subdirectory index (Hugo, Jekyll and others that write guide/intro/index.html): /guide/intro and
// /guide/intro/ → /guide/intro/index.html; a path whose last segment has an extension is left
// alone. AWS's "add index.html to request URLs that don't include a file name". Event: viewer-request.
function handler(event) {
  var request = event.request;
  var uri = request.uri;
  if (uri.endsWith('/')) {
    request.uri = uri + 'index.html';
  } else if (uri.lastIndexOf('.') < uri.lastIndexOf('/')) {
    request.uri = uri + '/index.html';
  }
  return request;
}
