/**
 * The request-side rules of S3 versioning that need no storage: the `versionId` parameter, the
 * VersioningConfiguration document of PutBucketVersioning, and ListObjectVersions' markers.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/Versioning.html (docs/versioning.md)
 */
import { S3Error } from './errors.js';
import type { QueryParams } from './operation.js';
import { VersioningConfigurationXml } from './xml/documents.js';

/** The id of the version an object gets while versioning is not enabled (never set or suspended). */
export const NULL_VERSION = 'null';

/**
 * The `versionId` query parameter of GetObject, HeadObject, DeleteObject…: undefined when absent;
 * present but empty is S3's 400 InvalidArgument "Version id cannot be the empty string".
 */
export function versionIdParam(query: QueryParams): string | undefined | S3Error {
  const versionId = query.get('versionId');
  if (versionId === '') return emptyVersionId('versionId');
  return versionId;
}

export function emptyVersionId(argumentName: string): S3Error {
  return new S3Error('InvalidArgument', 'Version id cannot be the empty string', { ArgumentName: argumentName, ArgumentValue: '' });
}

export function invalidVersionId(argumentName: string, value: string): S3Error {
  return new S3Error('InvalidArgument', 'Invalid version id specified', { ArgumentName: argumentName, ArgumentValue: value });
}

export interface VersioningRequest {
  /** Absent: the state does not change (a document that only sets MfaDelete). */
  status?: 'Enabled' | 'Suspended';
  mfaDelete?: 'Enabled' | 'Disabled';
}

/**
 * PutBucketVersioning's body: `Status` Enabled | Suspended and `MfaDelete` Enabled | Disabled,
 * anything else MalformedXML.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketVersioning.html
 */
export function parseVersioningConfiguration(body: string | Buffer): VersioningRequest | S3Error {
  const doc = VersioningConfigurationXml.parse(body);
  if (doc instanceof S3Error) return doc;
  const out: VersioningRequest = {};
  if (doc.status !== undefined) {
    if (doc.status !== 'Enabled' && doc.status !== 'Suspended') return new S3Error('MalformedXML');
    out.status = doc.status;
  }
  if (doc.mfaDelete !== undefined) {
    if (doc.mfaDelete !== 'Enabled' && doc.mfaDelete !== 'Disabled') return new S3Error('MalformedXML');
    out.mfaDelete = doc.mfaDelete;
  }
  return out;
}

/**
 * ListObjectVersions' version-id-marker as S3 answers it: it needs a key-marker and may not be
 * empty. Whether it names a version is the listing's business (docs/versioning.md).
 */
export function checkVersionIdMarker(keyMarker: string, versionIdMarker: string | undefined): S3Error | undefined {
  if (versionIdMarker === undefined) return undefined;
  const arg = { ArgumentName: 'version-id-marker', ArgumentValue: versionIdMarker };
  if (keyMarker === '') return new S3Error('InvalidArgument', 'A version-id marker cannot be specified without a key marker.', arg);
  if (versionIdMarker === '') return new S3Error('InvalidArgument', 'A version-id marker cannot be empty.', arg);
  return undefined;
}
