import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeAwsChunked } from '../chunk-signing.js';
import { checksumBase64 } from '../checksums/index.js';
import { PayloadError } from '../errors.js';
import { signRequestDetailed } from '../sign.js';
import type { VerifyResult } from '../types.js';
import { verifyRequest } from '../verify.js';
import { createPayloadDecoder, storedContentEncoding, type PayloadDecoder } from './decoder.js';

interface Decoded {
  body: Buffer;
  decoder: PayloadDecoder;
}

/** Feeds `parts` one by one into a fresh decoder; resolves with the output or rejects with its error. */
async function decode(result: VerifyResult, headers: IncomingHttpHeaders, parts: Buffer[]): Promise<Decoded> {
  const decoder = createPayloadDecoder(result, headers);
  const out: Buffer[] = [];
  decoder.on('data', (c: Buffer) => out.push(c));
  const done = new Promise<void>((resolve, reject) => {
    decoder.on('end', resolve);
    decoder.on('error', reject);
  });
  Readable.from(parts, { objectMode: false }).pipe(decoder);
  await done;
  return { body: Buffer.concat(out), decoder };
}

async function decodeError(result: VerifyResult, headers: IncomingHttpHeaders, parts: Buffer[]): Promise<PayloadError> {
  try {
    await decode(result, headers, parts);
  } catch (e) {
    expect(e).toBeInstanceOf(PayloadError);
    return e as PayloadError;
  }
  throw new Error('decoder did not fail');
}

/** Arbitraries for a body, the chunk sizes it is framed in (at least one) and the slice sizes it arrives in. */
function chunkedInputs(o: { maxBytes: number; maxChunk: number; maxSlice: number; maxPieces: number }) {
  return [
    fc.uint8Array({ maxLength: o.maxBytes }),
    fc.array(fc.integer({ min: 1, max: o.maxChunk }), { minLength: 1, maxLength: o.maxPieces }),
    fc.array(fc.integer({ min: 1, max: o.maxSlice }), { maxLength: o.maxPieces }),
  ] as const;
}

function slices(buf: Buffer, sizes: number[]): Buffer[] {
  const out: Buffer[] = [];
  let off = 0;
  let i = 0;
  while (off < buf.length) {
    const n = Math.max(1, sizes.length > 0 ? (sizes[i++ % sizes.length] as number) : buf.length);
    out.push(buf.subarray(off, off + n));
    off += n;
  }
  return out;
}

// https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming.html — 66560 bytes of 'a'
// in chunks of 65536 + 1024, with the seed and chunk signatures the page publishes.
describe('STREAMING-AWS4-HMAC-SHA256-PAYLOAD: the S3 documentation example', () => {
  const SEED = '4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9';
  const CHUNK_SIGS = [
    'ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648',
    '0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497',
    'b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9',
  ];
  const data = Buffer.alloc(66560, 'a');
  const frame = (size: number, sig: string, payload: Buffer): Buffer => Buffer.concat([Buffer.from(`${size.toString(16)};chunk-signature=${sig}\r\n`), payload, Buffer.from('\r\n')]);
  const body = Buffer.concat([
    frame(65536, CHUNK_SIGS[0] as string, data.subarray(0, 65536)),
    frame(1024, CHUNK_SIGS[1] as string, data.subarray(65536)),
    frame(0, CHUNK_SIGS[2] as string, Buffer.alloc(0)),
  ]);
  const headers: IncomingHttpHeaders = {
    host: 's3.amazonaws.com',
    'x-amz-date': '20130524T000000Z',
    'x-amz-storage-class': 'REDUCED_REDUNDANCY',
    authorization:
      'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,' +
      'SignedHeaders=content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class,' +
      `Signature=${SEED}`,
    'x-amz-content-sha256': 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
    'content-encoding': 'aws-chunked',
    'x-amz-decoded-content-length': '66560',
    'content-length': '66824',
  };
  const result = verifyRequest(
    { method: 'PUT', path: '/examplebucket/chunkObject.txt', query: '', headers },
    {
      lookupSecret: (id) => (id === 'AKIAIOSFODNN7EXAMPLE' ? 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' : undefined),
      now: new Date('2013-05-24T00:00:00Z'),
      service: 's3',
    },
  );

  it('the published body is 66824 bytes and its seed signature verifies', () => {
    expect(body.length).toBe(66824);
    expect(result).toMatchObject({ kind: 'signed', payload: { kind: 'streaming-signed', trailer: false } });
  });

  it('decodes the published body whole, in 1-byte slices and in odd slices', async () => {
    for (const parts of [[body], slices(body, [1]), slices(body, [7, 4093, 1, 65536, 13])]) {
      const { body: out, decoder } = await decode(result, headers, parts);
      expect(out.equals(data)).toBe(true);
      expect(decoder.decodedLength).toBe(66560);
      expect(decoder.checksum).toBeUndefined();
    }
  });

  it('a flipped data byte → SignatureDoesNotMatch (403)', async () => {
    const bad = Buffer.from(body);
    bad[5000] = 0x62;
    const err = await decodeError(result, headers, [bad]);
    expect([err.code, err.status]).toEqual(['SignatureDoesNotMatch', 403]);
  });

  it('a reordered chunk signature → SignatureDoesNotMatch', async () => {
    const bad = Buffer.from(body.toString('latin1').replace(CHUNK_SIGS[2] as string, CHUNK_SIGS[1] as string), 'latin1');
    expect((await decodeError(result, headers, [bad])).code).toBe('SignatureDoesNotMatch');
  });

  it('a body cut short → IncompleteBody (400), never a hang', async () => {
    for (const cut of [10, 100, 65600, body.length - 3]) {
      const err = await decodeError(result, headers, [body.subarray(0, cut)]);
      expect([err.code, err.status]).toEqual(['IncompleteBody', 400]);
    }
  });

  it('x-amz-decoded-content-length that disagrees → IncompleteBody', async () => {
    for (const declared of ['66559', '70000']) {
      const err = await decodeError(result, { ...headers, 'x-amz-decoded-content-length': declared }, [body]);
      expect(err.code).toBe('IncompleteBody');
    }
  });

  it('garbage framing → InvalidRequest', async () => {
    const err = await decodeError(result, headers, [Buffer.from('zz;chunk-signature=nope\r\n')]);
    expect([err.code, err.status]).toEqual(['InvalidRequest', 400]);
  });
});

const CREDS = { accessKeyId: 'AKIDTEST', secretAccessKey: 'test-secret-key' };
const NOW = new Date('2026-11-25T10:00:00Z');

/** Signs a PUT with our signer, verifies it, and returns the result plus the headers a server would see. */
function signedPut(payloadHash: string, extra: Record<string, string> = {}): { result: VerifyResult; headers: IncomingHttpHeaders } {
  const detail = signRequestDetailed({
    method: 'PUT',
    url: 'http://127.0.0.1:9000/bucket/key',
    headers: extra,
    credentials: CREDS,
    region: 'us-east-1',
    service: 's3',
    now: NOW,
    payloadHash,
  });
  const headers: IncomingHttpHeaders = { ...extra, ...detail.headers };
  const result = verifyRequest(
    { method: 'PUT', path: '/bucket/key', query: '', headers },
    { lookupSecret: (id) => (id === CREDS.accessKeyId ? CREDS.secretAccessKey : undefined), now: NOW, service: 's3' },
  );
  expect(result.kind).toBe('signed');
  return { result, headers };
}

describe('signed aws-chunked bodies from our own signer', () => {
  it('STREAMING-AWS4-HMAC-SHA256-PAYLOAD round-trips for random chunkings and random slicings', async () => {
    await fc.assert(
      fc.asyncProperty(...chunkedInputs({ maxBytes: 3000, maxChunk: 700, maxSlice: 500, maxPieces: 8 }), async (data, chunkSizes, sliceSizes) => {
        const input = Buffer.from(data);
        const { result, headers } = signedPut('STREAMING-AWS4-HMAC-SHA256-PAYLOAD', {
          'x-amz-decoded-content-length': String(input.length),
        });
        if (result.kind !== 'signed') throw new Error('unsigned');
        const body = encodeAwsChunked(slices(input, chunkSizes), { signing: result.context });
        const { body: out } = await decode(result, headers, slices(body, sliceSizes));
        expect(out.equals(input)).toBe(true);
      }),
      { numRuns: 60 },
    );
  });

  it('STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER with a signed crc32c trailer', async () => {
    const data = Buffer.alloc(100_000, 7);
    const crc = checksumBase64('CRC32C', data);
    const { result, headers } = signedPut('STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER', {
      'x-amz-decoded-content-length': String(data.length),
      'x-amz-trailer': 'x-amz-checksum-crc32c',
    });
    if (result.kind !== 'signed') throw new Error('unsigned');
    const good = encodeAwsChunked([data.subarray(0, 65536), data.subarray(65536)], {
      signing: result.context,
      trailers: [['x-amz-checksum-crc32c', crc]],
    });
    const { decoder } = await decode(result, headers, slices(good, [1, 3, 1000]));
    expect(decoder.checksum).toEqual({ algorithm: 'CRC32C', value: crc });

    // A trailer changed after signing fails the trailer signature.
    const other = checksumBase64('CRC32C', Buffer.from('x'));
    const forged = Buffer.from(good.toString('latin1').replace(crc, other), 'latin1');
    expect((await decodeError(result, headers, [forged])).code).toBe('SignatureDoesNotMatch');

    // A correctly signed but wrong checksum → BadDigest.
    const wrong = encodeAwsChunked([data], { signing: result.context, trailers: [['x-amz-checksum-crc32c', other]] });
    const err = await decodeError(result, headers, [wrong]);
    expect([err.code, err.message]).toEqual(['BadDigest', 'The CRC32C you specified did not match the calculated checksum.']);
  });
});

describe('STREAMING-UNSIGNED-PAYLOAD-TRAILER (what the JS SDK sends for stream bodies)', () => {
  const data = Buffer.from('hello aws-chunked world, '.repeat(500));
  const crc = checksumBase64('CRC32', data);
  const frames = `${(5000).toString(16)}\r\n${data.subarray(0, 5000).toString('latin1')}\r\n${(data.length - 5000).toString(16)}\r\n${data.subarray(5000).toString('latin1')}\r\n0\r\n`;
  const headers: IncomingHttpHeaders = {
    'x-amz-content-sha256': 'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
    'x-amz-decoded-content-length': String(data.length),
    'x-amz-trailer': 'x-amz-checksum-crc32',
    'content-encoding': 'aws-chunked',
  };
  const unsignedResult: VerifyResult = { kind: 'anonymous' };

  it.each([
    ['CRLF CRLF (JS SDK)', `x-amz-checksum-crc32:${crc}\r\n\r\n`],
    ['single CRLF, no empty line', `x-amz-checksum-crc32:${crc}\r\n`],
    ['no final CRLF at all', `x-amz-checksum-crc32:${crc}`],
    ['LF line ends', `x-amz-checksum-crc32:${crc}\n\n`],
    ['extra CRLFs after', `x-amz-checksum-crc32:${crc}\r\n\r\n\r\n`],
  ])('trailer ending variant: %s', async (_name, trailer) => {
    const body = Buffer.from(frames + trailer, 'latin1');
    for (const parts of [[body], slices(body, [1]), slices(body, [3, 17, 4999])]) {
      const { body: out, decoder } = await decode(unsignedResult, headers, parts);
      expect(out.equals(data)).toBe(true);
      expect(decoder.checksum).toEqual({ algorithm: 'CRC32', value: crc });
      expect(decoder.decodedLength).toBe(data.length);
    }
  });

  it('wrong trailer checksum → BadDigest with S3 wording', async () => {
    const body = Buffer.from(`${frames}x-amz-checksum-crc32:AAAAAA==\r\n\r\n`, 'latin1');
    const err = await decodeError(unsignedResult, headers, [body]);
    expect([err.code, err.status, err.message]).toEqual(['BadDigest', 400, 'The CRC32 you specified did not match the calculated checksum.']);
  });

  it('declared trailer missing → MalformedTrailerError', async () => {
    const err = await decodeError(unsignedResult, headers, [Buffer.from(`${frames}\r\n`, 'latin1')]);
    expect(err.code).toBe('MalformedTrailerError');
  });

  it('fast-check: random chunkings and slicings decode to the input', async () => {
    await fc.assert(
      fc.asyncProperty(...chunkedInputs({ maxBytes: 2000, maxChunk: 600, maxSlice: 300, maxPieces: 6 }), async (bytes, chunkSizes, sliceSizes) => {
        const input = Buffer.from(bytes);
        const c = checksumBase64('CRC32', input);
        const body = encodeAwsChunked(slices(input, chunkSizes), { trailers: [['x-amz-checksum-crc32', c]] });
        const { body: out, decoder } = await decode(unsignedResult, { ...headers, 'x-amz-decoded-content-length': String(input.length) }, slices(body, sliceSizes));
        expect(out.equals(input)).toBe(true);
        expect(decoder.checksum?.value).toBe(c);
      }),
      { numRuns: 100 },
    );
  });
});

describe('single-chunk payloads', () => {
  const data = Buffer.from('Welcome to Amazon S3.');
  const hex = createHash('sha256').update(data).digest('hex');

  it('hex sha256: passes through and verifies; a different body → XAmzContentSHA256Mismatch', async () => {
    const { result, headers } = signedPut(hex);
    const { body } = await decode(result, headers, slices(data, [4]));
    expect(body.equals(data)).toBe(true);
    const err = await decodeError(result, headers, [Buffer.from('Welcome to Amazon S4.')]);
    expect([err.code, err.status]).toEqual(['XAmzContentSHA256Mismatch', 400]);
    expect(err.detail).toEqual({
      ClientComputedContentSHA256: hex,
      S3ComputedContentSHA256: createHash('sha256').update('Welcome to Amazon S4.').digest('hex'),
    });
  });

  it('UNSIGNED-PAYLOAD with x-amz-checksum-sha256 header: verified; mismatch → BadDigest', async () => {
    const sha = checksumBase64('SHA256', data);
    const { result, headers } = signedPut('UNSIGNED-PAYLOAD', { 'x-amz-checksum-sha256': sha });
    const { decoder } = await decode(result, headers, [data]);
    expect(decoder.checksum).toEqual({ algorithm: 'SHA256', value: sha });
    const err = await decodeError(result, headers, [Buffer.from('other')]);
    expect([err.code, err.message]).toEqual(['BadDigest', 'The SHA256 you specified did not match the calculated checksum.']);
  });

  it('every checksum algorithm from a header', async () => {
    for (const alg of ['CRC32', 'CRC32C', 'CRC64NVME', 'SHA1', 'SHA256'] as const) {
      const value = checksumBase64(alg, data);
      const headers = { [`x-amz-checksum-${alg.toLowerCase()}`]: value };
      const { decoder } = await decode({ kind: 'anonymous' }, headers, [data]);
      expect(decoder.checksum).toEqual({ algorithm: alg, value });
    }
  });

  it('Content-MD5 is verified', async () => {
    const md5 = createHash('md5').update(data).digest('base64');
    const { decoder } = await decode({ kind: 'anonymous' }, { 'content-md5': md5 }, [data]);
    expect(decoder.md5Hex).toBe(createHash('md5').update(data).digest('hex'));
    const err = await decodeError({ kind: 'anonymous' }, { 'content-md5': md5 }, [Buffer.from('x')]);
    expect(err.code).toBe('BadDigest');
  });

  it('invalid checksum headers are rejected up front', async () => {
    const cases: Array<[IncomingHttpHeaders, string]> = [
      [{ 'x-amz-checksum-crc32': 'zz' }, 'InvalidRequest'],
      [{ 'x-amz-checksum-crc32': 'AAAAAA==', 'x-amz-checksum-sha1': Buffer.alloc(20).toString('base64') }, 'InvalidRequest'],
      [{ 'x-amz-sdk-checksum-algorithm': 'CRC32' }, 'InvalidRequest'],
      [{ 'content-md5': 'nope' }, 'InvalidDigest'],
    ];
    for (const [h, code] of cases) expect((await decodeError({ kind: 'anonymous' }, h, [data])).code).toBe(code);
  });

  it('an auth error result yields a decoder that fails with that error', async () => {
    const err = await decodeError({ kind: 'error', code: 'AccessDenied', status: 403, message: 'no' }, {}, [data]);
    expect([err.code, err.status]).toEqual(['AccessDenied', 403]);
  });
});

describe('storedContentEncoding', () => {
  it.each([
    ['aws-chunked', undefined],
    ['aws-chunked,gzip', 'gzip'],
    ['gzip, aws-chunked', 'gzip'],
    ['br', 'br'],
  ])('%s → %s', (input, out) => expect(storedContentEncoding(input)).toBe(out));
});
