/**
 * A VersionMetadataPatch applied to a version's metadata (ObjectStore.updateVersionMetadata):
 * the same rule for every driver.
 */
import type { ObjectMetadata, VersionMetadataPatch } from './types.js';

const FIELDS = ['acl', 'grants', 'tagging', 'replicationStatus'] as const;

/** `metadata` with `patch` applied (a new object; `metadata` is not changed). */
export function applyMetadataPatch(metadata: ObjectMetadata, patch: VersionMetadataPatch): ObjectMetadata {
  const out: ObjectMetadata = { ...metadata, userMetadata: { ...metadata.userMetadata } };
  const fields = out as unknown as Record<string, unknown>;
  for (const field of FIELDS) {
    const value = patch[field];
    if (value === undefined) continue;
    if (value === null) delete fields[field];
    else fields[field] = value;
  }
  return out;
}

/** Whether applying `patch` would change `metadata` at all. */
export function changesMetadata(metadata: ObjectMetadata, patch: VersionMetadataPatch): boolean {
  return FIELDS.some((field) => {
    const value = patch[field];
    return value !== undefined && (value ?? undefined) !== metadata[field];
  });
}
