import { describe, expect, it } from 'vitest';
import { StoreError, isStoreError } from '@bucketfront/object-store';
describe('StoreError', () => {
  it('is recognised by code', () => {
    const e = new StoreError('NoSuchKey', 'gone');
    expect(isStoreError(e, 'NoSuchKey')).toBe(true);
    expect(isStoreError(e, 'NoSuchBucket')).toBe(false);
  });
});
