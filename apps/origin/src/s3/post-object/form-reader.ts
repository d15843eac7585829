/**
 * Reads a POST Object form (multipart/form-data, RFC 7578) up to its `file` part: the fields
 * before it are collected (bounded), the file part is handed over unread so it can be streamed
 * into the store, and every part after it is drained and ignored, as S3 does
 * (https://docs.aws.amazon.com/AmazonS3/latest/API/RESTObjectPOST.html: "fields after the file
 * field are ignored"; the file must be the last field).
 */
import type { IncomingHttpHeaders } from 'node:http';
import { Readable } from 'node:stream';
import busboy from 'busboy';
import { S3Error } from '@bucketfront/s3-protocol';
import { FormFields } from './form-fields.js';

/**
 * Bytes of field names and values before the file part. S3 answers a larger prelude with
 * MaxPostPreDataLengthExceededError; its policy document is limited to 20 KB, and nothing else a
 * form carries (key, 2 KB of metadata, signature fields) comes near the rest of this budget.
 */
export const MAX_PRE_DATA_BYTES = 64 * 1024;
/** A field name longer than this is not one S3 knows (the longest are x-amz-meta-* within 2 KB of metadata). */
const MAX_FIELD_NAME_BYTES = 2048;
const MAX_PARTS = 1000;

export interface FormFile {
  /** The file part's bytes, paused until read. */
  stream: Readable;
  /** The filename of the file part ('' when none), for `${filename}` in the key. */
  filename: string;
  /** The file part's own Content-Type (S3 uses the Content-Type field, not this). */
  mimeType: string;
}

export interface FormPrelude {
  fields: FormFields;
  file: FormFile;
}

const malformed = (): S3Error => new S3Error('MalformedPOSTRequest');
const preDataTooLarge = (): S3Error => new S3Error('MaxPostPreDataLengthExceededError');

/**
 * Pipes `body` into a multipart parser and resolves once the `file` part begins (or with the S3
 * error for a form that has none or is broken). The caller must read or destroy `file.stream`.
 */
export function readFormUntilFile(body: Readable, headers: IncomingHttpHeaders): Promise<FormPrelude | S3Error> {
  let parser: busboy.Busboy;
  try {
    parser = busboy({
      headers,
      defParamCharset: 'utf8',
      limits: { fieldNameSize: MAX_FIELD_NAME_BYTES, fieldSize: MAX_PRE_DATA_BYTES + 1, parts: MAX_PARTS },
    });
  } catch {
    // No boundary, or not multipart at all.
    return Promise.resolve(malformed());
  }
  return new Promise((resolve) => {
    const fields = new FormFields();
    let preDataBytes = 0;
    let file: FormFile | undefined;
    let prelude: FormPrelude | undefined;
    let failed = false;
    // Parts sent with a filename but read as fields end asynchronously: the file (or the end of
    // the form) is reported only after every earlier part is in `fields`.
    let pending: Promise<void> = Promise.resolve();

    const fail = (err: Error): void => {
      if (failed) return;
      failed = true;
      body.unpipe(parser);
      // Once the file is handed over, its stream carries the failure to whoever reads it.
      file?.stream.destroy(err);
      if (prelude === undefined) resolve(err instanceof S3Error ? err : malformed());
    };
    const addField = (name: string, value: string, truncated: boolean): void => {
      preDataBytes += Buffer.byteLength(name) + Buffer.byteLength(value);
      if (truncated || preDataBytes > MAX_PRE_DATA_BYTES) fail(preDataTooLarge());
      else fields.add(name, value);
    };

    const reportFile = (found: FormFile): void => {
      file = found;
      void pending.then(() => {
        if (failed) return;
        prelude = { fields, file: found };
        resolve(prelude);
      });
    };

    parser.on('field', (name, value, info) => {
      if (file !== undefined || failed) return;
      if (info.nameTruncated) return fail(malformed());
      if (name.toLowerCase() === 'file' && !info.valueTruncated) {
        // The file sent as a plain field (no filename, e.g. curl -F file=text): its value is the content.
        const stream = Readable.from([Buffer.from(value, 'utf8')]);
        stream.pause();
        reportFile({ stream, filename: '', mimeType: info.mimeType });
        return;
      }
      addField(name, value, info.valueTruncated);
    });
    parser.on('file', (name, stream, info) => {
      if (file !== undefined || failed) {
        stream.resume(); // after the file: ignored
        return;
      }
      if (name.toLowerCase() !== 'file') {
        // A part with a filename that is not the file (some clients send every field so): a field.
        const read = readSmallPart(stream, MAX_PRE_DATA_BYTES + 1);
        pending = pending.then(() =>
          read.then(
            (value) => (value === null ? fail(preDataTooLarge()) : addField(name, value, false)),
            () => fail(malformed()),
          ),
        );
        return;
      }
      stream.pause();
      reportFile({ stream, filename: info.filename ?? '', mimeType: info.mimeType });
    });
    parser.on('partsLimit', () => {
      if (file === undefined) fail(preDataTooLarge());
    });
    parser.on('error', () => fail(malformed()));
    parser.on('close', () => {
      void pending.then(() => {
        if (failed) return;
        if (file === undefined) resolve(new S3Error('IncorrectNumberOfFilesInPostRequest', undefined, { ArgumentName: 'file', ArgumentValue: '0' }));
      });
    });
    body.on('error', (err) => fail(err));
    body.pipe(parser);
  });
}

/** The whole part as UTF-8, or null as soon as it passes `max` bytes (the part is then abandoned). */
async function readSmallPart(stream: Readable, max: number): Promise<string | null> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > max) return null;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, total).toString('utf8');
}
