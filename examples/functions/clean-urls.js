// Clean URLs (VitePress cleanUrls, Docusaurus, Astro, Eleventy and others that link pages without
// ".html"): /guide/intro → /guide/intro.html and /guide/ → /guide/index.html; a path whose last
// segment has an extension (/app.js, /logo.svg) is left alone. Event: viewer-request.
function handler(event) {
  var request = event.request;
  var uri = request.uri;
  if (uri.endsWith('/')) {
    request.uri = uri + 'index.html';
  } else if (uri.lastIndexOf('.') < uri.lastIndexOf('/')) {
    request.uri = uri + '.html';
  }
  return request;
}
