// Single-page app with client-side routing: every path whose last segment has no extension
// (/users/42, /settings/) is the app's /index.html; files (/assets/app.js) are served as they are,
// so a missing file is still a 404. Event: viewer-request.
function handler(event) {
  var request = event.request;
  var uri = request.uri;
  if (uri.lastIndexOf('.') < uri.lastIndexOf('/')) {
    request.uri = '/index.html';
  }
  return request;
}
