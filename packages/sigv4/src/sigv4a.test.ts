/**
 * SigV4A verification against signatures made by the AWS SDK's own signer
 * (@aws-sdk/signature-v4a): one verifies, tampered ones do not.
 */
import { createHash, createHmac, createPrivateKey, sign, type Hash, type Hmac } from 'node:crypto';
import { SignatureV4a } from '@aws-sdk/signature-v4a';
import { describe, expect, it } from 'vitest';
import { deriveSigV4aPrivateKey, sigV4aPublicKey, verifySigV4aRequest } from './sigv4a.js';

/** The SDK signer's hash interface (`new Sha256(secret?)`: HMAC when keyed), over node:crypto. */
class NodeSha256 {
  private readonly h: Hash | Hmac;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.h = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.h.update(bytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.h.digest());
  }
}

function bytes(data: string | ArrayBuffer | ArrayBufferView): string | Buffer {
  if (typeof data === 'string') return data;
  return ArrayBuffer.isView(data) ? Buffer.from(data.buffer, data.byteOffset, data.byteLength) : Buffer.from(data);
}

const AKID = 'AKIAIOSFODNN7EXAMPLE';
const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const NOW = new Date('2026-12-03T15:00:00Z');

async function sdkSigned(body: string, path = '/key-value-stores/arn%3Aaws%3Acloudfront%3A%3A123456789012%3Akey-value-store%2Fabc/keys/a%20b') {
  const signer = new SignatureV4a({ credentials: { accessKeyId: AKID, secretAccessKey: SECRET }, region: '*', service: 'cloudfront-keyvaluestore', sha256: NodeSha256, applyChecksum: true });
  const request = {
    method: 'PUT',
    protocol: 'http:',
    hostname: '123456789012.kvs.example',
    path,
    query: { MaxResults: '5' },
    headers: { host: '123456789012.kvs.example', 'content-type': 'application/json', 'if-match': 'E1' },
    body,
  };
  const signed = await signer.sign(request, { signingDate: NOW });
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(signed.headers)) headers[k.toLowerCase()] = String(v);
  return { method: 'PUT', path, query: 'MaxResults=5', headers };
}

const payload = (body: string) => createHash('sha256').update(body).digest('hex');
const opts = (body: string) => ({ lookupSecret: (id: string) => (id === AKID ? SECRET : undefined), now: NOW, service: 'cloudfront-keyvaluestore', payloadSha256Hex: payload(body) });

describe('SigV4A verification', () => {
  it('accepts a request signed by @aws-sdk/signature-v4a', async () => {
    const body = '{"Value":"v"}';
    const req = await sdkSigned(body);
    expect(req.headers.authorization).toMatch(/^AWS4-ECDSA-P256-SHA256 Credential=AKIAIOSFODNN7EXAMPLE\/20261203\/cloudfront-keyvaluestore\/aws4_request/);
    expect(verifySigV4aRequest(req, opts(body))).toEqual({ kind: 'signed', accessKeyId: AKID, regionSet: '*' });
  });

  it('refuses a tampered body, header, path or signature, and an unknown key', async () => {
    const body = '{"Value":"v"}';
    const req = await sdkSigned(body);
    expect(verifySigV4aRequest(req, opts('{"Value":"w"}'))).toMatchObject({ code: 'SignatureDoesNotMatch' });
    expect(verifySigV4aRequest({ ...req, headers: { ...req.headers, 'if-match': 'E2' } }, opts(body))).toMatchObject({ code: 'SignatureDoesNotMatch' });
    expect(verifySigV4aRequest({ ...req, path: req.path.replace('a%20b', 'a%20c') }, opts(body))).toMatchObject({ code: 'SignatureDoesNotMatch' });
    const sig = /Signature=([0-9a-f]+)/.exec(req.headers.authorization!)![1]!;
    const flipped = sig.slice(0, -2) + (sig.endsWith('00') ? '01' : '00');
    expect(verifySigV4aRequest({ ...req, headers: { ...req.headers, authorization: req.headers.authorization!.replace(sig, flipped) } }, opts(body))).toMatchObject({ code: 'SignatureDoesNotMatch' });
    expect(verifySigV4aRequest(req, { ...opts(body), lookupSecret: () => undefined })).toMatchObject({ code: 'InvalidAccessKeyId' });
    expect(verifySigV4aRequest(req, { ...opts(body), lookupSecret: () => 'other-secret' })).toMatchObject({ code: 'SignatureDoesNotMatch' });
    expect(verifySigV4aRequest(req, { ...opts(body), now: new Date(NOW.getTime() + 3_600_000) })).toMatchObject({ code: 'RequestTimeTooSkewed' });
    expect(verifySigV4aRequest({ ...req, headers: { host: 'x' } }, opts(body))).toEqual({ kind: 'anonymous' });
  });

  it('derives a key pair whose public half verifies what its private half signs', () => {
    const d = deriveSigV4aPrivateKey(AKID, SECRET);
    expect(d).toHaveLength(32);
    const pub = sigV4aPublicKey(AKID, SECRET).export({ format: 'jwk' });
    const priv = createPrivateKey({ key: { ...pub, d: d.toString('base64url') }, format: 'jwk' });
    const s = sign('sha256', Buffer.from('hello'), priv);
    expect(createHash('sha256').update(s).digest().length).toBe(32);
    expect(deriveSigV4aPrivateKey(AKID, 'another').equals(d)).toBe(false);
  });
});
