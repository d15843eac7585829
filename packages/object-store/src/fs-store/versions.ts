/** Versioning on the fs driver (docs/versioning.md). */
import type { ObjectStore } from '../types.js';
import { StoreError } from '../types.js';
import type { FsContext } from './state.js';

export async function getBucketVersioning(_ctx: FsContext, ..._a: Parameters<ObjectStore['getBucketVersioning']>): ReturnType<ObjectStore['getBucketVersioning']> {
  throw new StoreError('InternalError', 'versioning: not yet');
}
export async function putBucketVersioning(_ctx: FsContext, ..._a: Parameters<ObjectStore['putBucketVersioning']>): ReturnType<ObjectStore['putBucketVersioning']> {
  throw new StoreError('InternalError', 'versioning: not yet');
}
export async function listObjectVersions(_ctx: FsContext, ..._a: Parameters<ObjectStore['listObjectVersions']>): ReturnType<ObjectStore['listObjectVersions']> {
  throw new StoreError('InternalError', 'versioning: not yet');
}
