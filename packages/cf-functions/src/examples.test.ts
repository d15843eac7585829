/**
 * AWS's example CloudFront Functions run unchanged, with their documented results.
 *
 * The function sources below are short excerpts written out from
 * https://github.com/aws-samples/amazon-cloudfront-functions (Apache-2.0, © Amazon.com, Inc. or
 * its affiliates) — one directory per example, named in each test — and the expected results
 * follow each example's README and test objects.
 */
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { testFunction } from './test-function.js';
import { compile, expectOk, requestOf, responseOf, viewerRequest, viewerResponse } from './__tests__/helpers.js';

// url-rewrite-single-page-apps/index.js
const URL_REWRITE = `async function handler(event) {
    var request = event.request;
    var uri = request.uri;

    // Check whether the URI is missing a file name.
    if (uri.endsWith('/')) {
        request.uri += 'index.html';
    }
    // Check whether the URI is missing a file extension.
    else if (!uri.includes('.')) {
        request.uri += '/index.html';
    }

    return request;
}`;

// redirect-based-on-country/index.js
const REDIRECT_COUNTRY = `async function handler(event) {
    var request = event.request;
    var headers = request.headers;
    var host = request.headers.host.value;
    var country = 'DE' // Choose a country code
    var newurl = \`https://\${host}/de/index.html\`; // Change the redirect URL to your choice

    if (headers['cloudfront-viewer-country']) {
        var countryCode = headers['cloudfront-viewer-country'].value;
        if (countryCode === country) {
            var response = {
                statusCode: 302,
                statusDescription: 'Found',
                headers:
                    { "location": { "value": newurl } }
                }

            return response;
        }
    }
    return request;
}`;

// add-security-headers/index.js
const SECURITY_HEADERS = `async function handler(event) {
    var response = event.response;
    var headers = response.headers;

    // Set HTTP security headers
    headers['strict-transport-security'] = { value: 'max-age=63072000; includeSubdomains; preload'};
    headers['content-security-policy'] = { value: "default-src 'none'; img-src 'self'; script-src 'self'; style-src 'self'; object-src 'none'; frame-ancestors 'none'"};
    headers['x-content-type-options'] = { value: 'nosniff'};
    headers['x-frame-options'] = {value: 'DENY'};
    headers['x-xss-protection'] = {value: '1; mode=block'};
    headers['referrer-policy'] = {value: 'same-origin'};

    // Return the response to viewers
    return response;
}`;

// add-cors-header/index.js
const CORS = `async function handler(event)  {
    var request = event.request;
    var response  = event.response;

    // If Access-Control-Allow-Origin CORS header is missing, add it.
    if (!response.headers['access-control-allow-origin'] && request.headers['origin']) {
        response.headers['access-control-allow-origin'] = {value: request.headers['origin'].value};
        console.log("Access-Control-Allow-Origin was missing, adding it now.");
    }

    return response;
}`;

// add-origin-header/index.js
const ORIGIN_HEADER = `async function handler(event) {
    var request = event.request;
    var headers = request.headers;
    var host = request.headers.host.value;

   // If origin header is missing, set it equal to the host header.
   if (!headers.origin)
       headers.origin = {value:\`https://\${host}\`};

   return request;
}`;

// add-true-client-ip-header/index.js
const TRUE_CLIENT_IP = `async function handler(event) {
    var request = event.request;
    var clientIP = event.viewer.ip;

    //Add the true-client-ip header to the incoming request
    request.headers['true-client-ip'] = {value: clientIP};

    return request;
}`;

// add-cache-control-header/index.js
const CACHE_CONTROL = `async function handler(event) {
    var response = event.response;
    var headers = response.headers;

    if (response.statusCode >= 200 && response.statusCode < 400) {
        // Set the cache-control header
        headers['cache-control'] = {value: 'public, max-age=63072000'};
    }

    // Return response to viewers
    return response;
}`;

// normalize-query-string-parameters/normalize-query-string.js
const NORMALIZE_QS = `function handler(event) {
     var qs=[];
     for (var key in event.request.querystring) {
         if (event.request.querystring[key].multiValue) {
             event.request.querystring[key].multiValue.forEach((mv) => {qs.push(key + "=" + mv.value)});
         } else {
             qs.push(key + "=" + event.request.querystring[key].value);
         }
     };

     event.request.querystring = qs.sort().join('&');

     return event.request;
}`;

// kvs-key-value-pairs/kvs-key-value-pairs.js
const KVS_PAIRS = `import cf from 'cloudfront';

// This fails if there is no key value store associated with the function
const kvsHandle = cf.kvs();

async function handler(event) {
    const request = event.request;
    // Use the first segment of the pathname as key
    const pathSegments = request.uri.split('/')
    const key = pathSegments[1]
    try {
        pathSegments[1] = await kvsHandle.get(key);
        const newUri = pathSegments.join('/');
        console.log(\`\${request.uri} -> \${newUri}\`)
        request.uri = newUri;
    } catch (err) {
        // No change to the pathname if the key is not found
        console.log(\`\${request.uri} | \${err}\`);
    }
    return request;
}`;

// select-origin-based-on-country/index.js (shortened country table)
const SELECT_ORIGIN = `import cf from 'cloudfront';

function handler(event) {
    const request = event.request;
    const headers = request.headers;
    const country = headers['cloudfront-viewer-country'] &&
        headers['cloudfront-viewer-country'].value;
    const countryToRegion = { 'DE': 'eu-central-1', 'JP': 'ap-northeast-1' };
    const DEFAULT_REGION = 'us-east-1';
    const selectedRegion = (country && countryToRegion[country]) || DEFAULT_REGION;
    const domainName =
        \`cloudfront-functions-demo-bucket-in-\${selectedRegion}.s3.\${selectedRegion}.amazonaws.com\`;

    cf.updateRequestOrigin({
        "domainName": domainName,
        "originAccessControlConfig": {
            "enabled": true,
            "region": selectedRegion,
            "signingBehavior": "always",
            "signingProtocol": "sigv4",
            "originType": "s3"
        },
    });

    return request;
}`;

// kvs-jwt-verify/verify-jwt.js, condensed (same checks: segments, HMAC-SHA256 base64url
// signature in constant time, nbf/exp, secret from the KeyValueStore, jwt removed on success);
// logging switched on.
const JWT_VERIFY = `import crypto from 'crypto';
import cf from 'cloudfront';

const response401 = { statusCode: 401, statusDescription: 'Unauthorized' };
const kvsKey = 'jwt.secret';
const loggingEnabled = true;

function jwt_decode(token, key) {
    if (!token) throw new Error('No token supplied');
    const segments = token.split('.');
    if (segments.length !== 3) throw new Error('Not enough or too many segments');
    const payload = JSON.parse(Buffer.from(segments[1], 'base64url'));
    const signingInput = [segments[0], segments[1]].join('.');
    if (!_constantTimeEquals(segments[2], crypto.createHmac('sha256', key).update(signingInput).digest('base64url'))) {
        throw new Error('Signature verification failed');
    }
    if (payload.nbf && Date.now() < payload.nbf*1000) throw new Error('Token not yet active');
    if (payload.exp && Date.now() > payload.exp*1000) throw new Error('Token expired');
    return payload;
}

function _constantTimeEquals(a, b) {
    if (a.length != b.length) return false;
    let xor = 0;
    for (let i = 0; i < a.length; i++) xor |= (a.charCodeAt(i) ^ b.charCodeAt(i));
    return 0 === xor;
}

async function handler(event) {
    let request = event.request;
    const secret_key = await getSecret()
    if (!secret_key) return response401;
    if (!request.querystring.jwt) { log("Error: No JWT in the querystring"); return response401; }
    const jwtToken = request.querystring.jwt.value;
    try {
        jwt_decode(jwtToken, secret_key);
    } catch (e) {
        log(e);
        return response401;
    }
    delete request.querystring.jwt;
    log("Valid JWT token");
    return request;
}

async function getSecret() {
    try {
        const kvsHandle = cf.kvs();
        return await kvsHandle.get(kvsKey);
    } catch (err) {
        log(\`Error reading value for key: \${kvsKey}, error: \${err}\`);
        return null;
    }
}

function log(message) {
    if (loggingEnabled) console.log(message);
}`;

describe('url-rewrite-single-page-apps', () => {
  it.each([
    ['/blog/', '/blog/index.html'], // test-objects/no-file-name.json
    ['/blog', '/blog/index.html'], // test-objects/file-name-no-extension.json
    ['/blog/index.html', '/blog/index.html'], // test-objects/file-name-and-extension.json
  ])('%s → %s', async (uri, expected) => {
    const fn = await compile(URL_REWRITE);
    const out = requestOf(await fn.run(viewerRequest({ uri })));
    expect(out.uri).toBe(expected);
    expect(out.headers).toEqual({ host: { value: 'www.example.com' } });
  });
});

describe('redirect-based-on-country', () => {
  it('redirects viewers from DE with a 302 and keeps the others', async () => {
    const fn = await compile(REDIRECT_COUNTRY);
    const headers = { host: { value: 'www.example.com' }, 'cloudfront-viewer-country': { value: 'DE' } };
    const r = await fn.run(viewerRequest({ headers }));
    expect(responseOf(r)).toEqual({
      statusCode: 302,
      statusDescription: 'Found',
      headers: { location: { value: 'https://www.example.com/de/index.html' } },
      cookies: {},
    });
    const other = requestOf(await fn.run(viewerRequest({ headers: { ...headers, 'cloudfront-viewer-country': { value: 'FR' } } })));
    expect(other.uri).toBe('/index.html');
  });
});

describe('viewer-response examples', () => {
  it('add-security-headers adds the six headers and keeps the rest', async () => {
    const fn = await compile(SECURITY_HEADERS);
    const out = responseOf(await fn.run(viewerResponse()));
    expect(out.statusCode).toBe(200);
    expect(out.headers['content-type']).toEqual({ value: 'text/html' });
    expect(out.headers['x-frame-options']).toEqual({ value: 'DENY' });
    expect(out.headers['strict-transport-security']).toEqual({ value: 'max-age=63072000; includeSubdomains; preload' });
    expect(Object.keys(out.headers).sort()).toEqual([
      'content-security-policy',
      'content-type',
      'referrer-policy',
      'strict-transport-security',
      'x-content-type-options',
      'x-frame-options',
      'x-xss-protection',
    ]);
  });

  it('add-cors-header copies Origin into Access-Control-Allow-Origin when missing, and logs', async () => {
    const fn = await compile(CORS);
    const r = await fn.run(viewerResponse({}, { headers: { host: { value: 'www.example.com' }, origin: { value: 'https://app.example.com' } } }));
    expect(responseOf(r).headers['access-control-allow-origin']).toEqual({ value: 'https://app.example.com' });
    expect(r.logs).toEqual(['Access-Control-Allow-Origin was missing, adding it now.']);
    // test-objects/cors-header.json: already present → unchanged, nothing logged
    const present = await fn.run(
      viewerResponse(
        { headers: { 'access-control-allow-origin': { value: 'https://www.example.com' } } },
        { headers: { host: { value: 'www.example.com' }, origin: { value: 'https://evil.example' } } },
      ),
    );
    expect(responseOf(present).headers['access-control-allow-origin']).toEqual({ value: 'https://www.example.com' });
    expect(present.logs).toEqual([]);
  });

  it('add-cache-control-header sets cache-control on 2xx/3xx only', async () => {
    const fn = await compile(CACHE_CONTROL);
    expect(responseOf(await fn.run(viewerResponse())).headers['cache-control']).toEqual({ value: 'public, max-age=63072000' });
    expect(responseOf(await fn.run(viewerResponse({ statusCode: 304 }))).headers['cache-control']).toBeDefined();
    expect(responseOf(await fn.run(viewerResponse({ statusCode: 404 }))).headers['cache-control']).toBeUndefined();
  });
});

describe('viewer-request header examples', () => {
  it('add-origin-header sets Origin from Host when missing', async () => {
    const fn = await compile(ORIGIN_HEADER);
    expect(requestOf(await fn.run(viewerRequest())).headers.origin).toEqual({ value: 'https://www.example.com' });
    const kept = requestOf(await fn.run(viewerRequest({ headers: { host: { value: 'www.example.com' }, origin: { value: 'https://other' } } })));
    expect(kept.headers.origin).toEqual({ value: 'https://other' });
  });

  it('add-true-client-ip-header copies viewer.ip', async () => {
    const fn = await compile(TRUE_CLIENT_IP);
    expect(requestOf(await fn.run(viewerRequest({}, '203.0.113.7'))).headers['true-client-ip']).toEqual({ value: '203.0.113.7' });
  });

  it('normalize-query-string-parameters returns the sorted raw query string', async () => {
    const fn = await compile(NORMALIZE_QS, { runtime: 'cloudfront-js-1.0' });
    const out = requestOf(
      await fn.run(
        viewerRequest({
          querystring: {
            zeta: { value: '1' },
            alpha: { value: 'b', multiValue: [{ value: 'b' }, { value: 'a' }] },
          },
        }),
      ),
    );
    expect(out.querystring).toBe('alpha=a&alpha=b&zeta=1');
  });
});

describe('KeyValueStore examples', () => {
  it('kvs-key-value-pairs rewrites the first path segment from the store, and logs', async () => {
    const fn = await compile(KVS_PAIRS, { kvsIds: ['arn:aws:cloudfront::123456789012:key-value-store/6ed3b692-38e9-4952-b89b-bea9cexample'] });
    const seen: [string, string][] = [];
    const kvs = async (id: string, key: string) => {
      seen.push([id, key]);
      return key === 'blog' ? 'v2/blog' : undefined;
    };
    const r = await fn.run(viewerRequest({ uri: '/blog/post.html' }), { kvs });
    expect(requestOf(r).uri).toBe('/v2/blog/post.html');
    expect(r.logs).toEqual(['/blog/post.html -> /v2/blog/post.html']);
    expect(seen).toEqual([['6ed3b692-38e9-4952-b89b-bea9cexample', 'blog']]);
    const missing = await fn.run(viewerRequest({ uri: '/shop/item' }), { kvs });
    expect(requestOf(missing).uri).toBe('/shop/item');
    expect(missing.logs).toHaveLength(1);
    expect(missing.logs[0]).toMatch(/^\/shop\/item \| Error: .*"shop".*not found/);
  });

  it('kvs-jwt-verify reproduces the README TestResult for test-objects/valid-jwt.json', async () => {
    const fn = await compile(JWT_VERIFY, { name: 'kvs-jwt-verify', kvsIds: ['arn:aws:cloudfront::123456789012:key-value-store/6ed3b692-38e9-4952-b89b-bea9cexample'] });
    // kvs-jwt-verify/test-objects/valid-jwt.json (note the misspelt "multivalue", which CloudFront ignores)
    const validJwt = {
      version: '1.0',
      context: { eventType: 'viewer-request' },
      viewer: { ip: '0.0.0.0' },
      request: {
        method: 'GET',
        uri: '/index.html',
        querystring: {
          jwt: {
            value:
              'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyLCJuYmYiOjE1MTYyMzkwMjIsImV4cCI6MTcxNjIzOTAyMn0.jyu6HjS95wU8iSofQ8nBlmPjFYODxn4PQAdFM-Cv8JY',
          },
          test: { value: 'anotherQueryString' },
        },
        headers: {
          host: { value: 'www.example.com' },
          accept: { value: 'text/html', multivalue: [{ value: 'text/html' }, { value: 'application/xhtml+xml' }] },
        },
      },
    };
    // the token's secret is the one of the repository's earlier verify-jwt example; the token
    // expired in May 2024, so the run is placed before that (CloudFront freezes Date at the start)
    const secret = 'LzdWGpAToQ1DqYuzHxE6YOqi7G3X2yvNBot9mCXfx5k';
    const kvs = (_id: string, key: string) => (key === 'jwt.secret' ? secret : undefined);
    const result = await testFunction(fn, JSON.stringify(validJwt), { kvs, now: Date.UTC(2024, 0, 1) });
    expect(result.FunctionErrorMessage).toBe('');
    expect(result.FunctionExecutionLogs).toEqual(['Valid JWT token']);
    expect(JSON.parse(result.FunctionOutput)).toEqual(
      JSON.parse(
        '{"request":{"headers":{"host":{"value":"www.example.com"},"accept":{"value":"text/html"}},"method":"GET","querystring":{"test":{"value":"anotherQueryString"}},"uri":"/index.html","cookies":{}}}',
      ),
    );
    expect(result.FunctionSummary.FunctionConfig).toEqual({
      Comment: '',
      Runtime: 'cloudfront-js-2.0',
      KeyValueStoreAssociations: { Quantity: 1, Items: [{ KeyValueStoreARN: 'arn:aws:cloudfront::123456789012:key-value-store/6ed3b692-38e9-4952-b89b-bea9cexample' }] },
    });
    expect(Number(result.ComputeUtilization)).toBeGreaterThanOrEqual(0);
    expect(Number(result.ComputeUtilization)).toBeLessThanOrEqual(100);

    // expired-jwt.json case: the same token after its exp → 401
    const expired = await testFunction(fn, JSON.stringify(validJwt), { kvs, now: Date.UTC(2025, 0, 1) });
    expect(JSON.parse(expired.FunctionOutput)).toEqual({ response: { statusCode: 401, statusDescription: 'Unauthorized', headers: {}, cookies: {} } });
    expect(expired.FunctionExecutionLogs).toEqual(['Error: Token expired']);

    // a token signed by us now, then tampered with
    const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const input = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub: 'x', exp: 4102444800 })}`;
    const token = `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
    const ok = await fn.run(viewerRequest({ querystring: { jwt: { value: token } } }), { kvs });
    expect(requestOf(ok).querystring).toEqual({});
    const tampered = await fn.run(viewerRequest({ querystring: { jwt: { value: token.slice(0, -2) + 'AA' } } }), { kvs });
    expect(responseOf(tampered).statusCode).toBe(401);
    expect(tampered.logs).toEqual(['Error: Signature verification failed']);
    // no secret in the store → 401 from getSecret's catch
    const noSecret = await fn.run(viewerRequest({ querystring: { jwt: { value: token } } }), { kvs: () => undefined });
    expect(responseOf(noSecret).statusCode).toBe(401);
  });
});

describe('origin modification (runtime 2.0 helpers)', () => {
  it('select-origin-based-on-country records cf.updateRequestOrigin and returns the request', async () => {
    const fn = await compile(SELECT_ORIGIN);
    const r = expectOk(await fn.run(viewerRequest({ headers: { host: { value: 'www.example.com' }, 'cloudfront-viewer-country': { value: 'JP' } } })));
    expect(r.originModifications).toEqual([
      {
        method: 'updateRequestOrigin',
        args: [
          {
            domainName: 'cloudfront-functions-demo-bucket-in-ap-northeast-1.s3.ap-northeast-1.amazonaws.com',
            originAccessControlConfig: { enabled: true, region: 'ap-northeast-1', signingBehavior: 'always', signingProtocol: 'sigv4', originType: 's3' },
          },
        ],
      },
    ]);
    expect(requestOf(r).uri).toBe('/index.html');
  });
});
