/**
 * Where log files go (config `standardLogs`): a bucket of an S3 endpoint (PutObject, SigV4), or
 * a directory (`<directory>/<bucket>/<key>`, written whole: temporary file, then rename).
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { signRequest, uriEncode } from '@bucketfront/sigv4';
import { request } from 'undici';
import type { StandardLogsConfig } from '../config/logging-fields.js';

export interface LogDestination {
  /** Stores `body` as `key` of `bucket`, replacing what is there; rejects when it could not. */
  put(bucket: string, key: string, body: Buffer): Promise<void>;
  /** What the operator reads in messages, e.g. `s3 http://127.0.0.1:9000`. */
  readonly name: string;
}

const REQUEST_TIMEOUT_MS = 30_000;

export function s3Destination(s3: NonNullable<StandardLogsConfig['s3']>): LogDestination {
  const endpoint = s3.endpoint.replace(/\/+$/, '');
  const credentials = {
    accessKeyId: s3.accessKeyId ?? process.env['AWS_ACCESS_KEY_ID'] ?? '',
    secretAccessKey: s3.secretAccessKey ?? process.env['AWS_SECRET_ACCESS_KEY'] ?? '',
  };
  return {
    name: `s3 ${endpoint}`,
    async put(bucket, key, body) {
      const url = `${endpoint}/${bucket}/${uriEncode(key, true)}`;
      const headers = { 'content-type': 'application/x-gzip', 'content-length': String(body.length) };
      const signed = signRequest({ method: 'PUT', url, headers, body, credentials, region: s3.region, service: 's3' });
      const res = await request(url, { method: 'PUT', headers: { ...headers, ...signed }, body, headersTimeout: REQUEST_TIMEOUT_MS, bodyTimeout: REQUEST_TIMEOUT_MS });
      const text = await res.body.text();
      if (res.statusCode !== 200) {
        const code = /<Code>([^<]*)<\/Code>/.exec(text)?.[1] ?? '';
        throw new Error(`PutObject ${bucket}/${key}: ${res.statusCode} ${code}`.trim());
      }
    },
  };
}

export function directoryDestination(directory: string): LogDestination {
  return {
    name: `directory ${directory}`,
    async put(bucket, key, body) {
      const file = join(directory, bucket, ...key.split('/'));
      await mkdir(dirname(file), { recursive: true });
      const temp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
      try {
        await writeFile(temp, body, { flush: true });
        await rename(temp, file);
      } catch (err) {
        await rm(temp, { force: true });
        throw err;
      }
    },
  };
}

export function logDestination(config: StandardLogsConfig): LogDestination {
  return config.s3 !== undefined ? s3Destination(config.s3) : directoryDestination(config.directory!);
}
