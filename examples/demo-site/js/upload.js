// The upload page (upload.html): asks /api/presign for a presigned POST form, uploads the file
// with XMLHttpRequest (for its upload progress events), then polls the thumbnail's URL on the
// edge with backoff until the function has written it. docs/functions.md#the-upload-page
(() => {
  const form = document.getElementById('upload-form');
  const input = document.getElementById('file');
  const progress = document.getElementById('upload-progress');
  const status = document.getElementById('upload-status');
  const thumbStatus = document.getElementById('thumbnail-status');
  const thumbnail = document.getElementById('thumbnail');

  async function presign(file) {
    const query = new URLSearchParams({ filename: file.name, contentType: file.type || 'application/octet-stream' });
    const res = await fetch(`/api/presign?${query}`, { cache: 'no-store' });
    const body = await res.json();
    if (!res.ok) throw new Error(body.message || `presign answered ${res.status}`);
    return body;
  }

  function upload(target, file) {
    return new Promise((resolve, reject) => {
      const data = new FormData();
      for (const [name, value] of Object.entries(target.fields)) data.append(name, value);
      // S3 reads the fields before the file; fields after it are ignored.
      data.append('file', file);
      const xhr = new XMLHttpRequest();
      xhr.open('POST', target.url);
      xhr.upload.addEventListener('progress', (e) => {
        if (e.lengthComputable) progress.value = Math.round((e.loaded / e.total) * 100);
      });
      xhr.addEventListener('load', () => {
        if (xhr.status >= 200 && xhr.status < 300) resolve();
        else {
          const code = /<Code>([^<]*)<\/Code>/.exec(xhr.responseText);
          const message = /<Message>([^<]*)<\/Message>/.exec(xhr.responseText);
          reject(new Error(`${xhr.status} ${code ? code[1] : ''} ${message ? message[1] : ''}`.trim()));
        }
      });
      xhr.addEventListener('error', () => reject(new Error('the upload failed (network error)')));
      xhr.send(data);
    });
  }

  /** Resolves with the URL once it answers 200; waits 250 ms, then 1.5 times longer each time (at most 3 s), for up to 2 minutes. */
  async function whenReady(url) {
    const deadline = Date.now() + 120000;
    for (let delay = 250; Date.now() < deadline; delay = Math.min(delay * 1.5, 3000)) {
      const res = await fetch(url, { cache: 'no-store' }).catch(() => null);
      // Read the answer (the error document, or the thumbnail the <img> then gets from the edge's cache).
      await res?.arrayBuffer().catch(() => null);
      if (res?.ok) return url;
      await new Promise((r) => setTimeout(r, delay));
    }
    throw new Error('no thumbnail after 2 minutes');
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const file = input.files[0];
    if (!file) return;
    progress.value = 0;
    thumbnail.hidden = true;
    thumbStatus.textContent = '';
    try {
      status.textContent = 'Signing…';
      const target = await presign(file);
      status.textContent = 'Uploading…';
      await upload(target, file);
      progress.value = 100;
      status.textContent = `Uploaded as ${target.key}.`;
      thumbStatus.textContent = 'Waiting for the thumbnail…';
      const url = await whenReady(target.thumbnails['512']);
      thumbnail.src = url;
      thumbnail.hidden = false;
      thumbStatus.textContent = 'Thumbnail (512 px wide, WebP) through the edge:';
    } catch (err) {
      status.textContent = `Failed: ${err.message}`;
    }
  });
})();
