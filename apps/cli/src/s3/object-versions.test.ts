import { describe, expect, it } from 'vitest';
import { entryKindsOf, mergePage } from './object-versions.js';

const t = new Date('2024-05-01T12:00:00Z');

describe('ListObjectVersions entries in listing order', () => {
  it('notes the sequence of Version and DeleteMarker elements, not VersionId', () => {
    const xml =
      '<ListVersionsResult><Name>b</Name><Version><Key>a</Key><VersionId>3</VersionId></Version><DeleteMarker><Key>a</Key><VersionId>2</VersionId></DeleteMarker>' +
      '<Version><Key>&lt;Version&gt;</Key><VersionId>1</VersionId></Version><NextVersionIdMarker>1</NextVersionIdMarker></ListVersionsResult>';
    expect(entryKindsOf(xml)).toBe('VDV');
  });

  it('merges the two arrays the SDK returns back in that sequence', () => {
    const page = {
      Versions: [
        { Key: 'a', VersionId: '3', IsLatest: true, LastModified: t, Size: 4, ETag: '"e3"' },
        { Key: 'a', VersionId: '1', IsLatest: false, LastModified: t, Size: 3, ETag: '"e1"' },
      ],
      DeleteMarkers: [{ Key: 'a', VersionId: '2', IsLatest: false, LastModified: t }],
    };
    expect(mergePage(page, 'VDV').map((e) => e.versionId)).toEqual(['3', '2', '1']);
    // Without the sequence (or one that does not fit): by key, newest first, the latest first among equals.
    expect(mergePage(page, undefined).map((e) => e.versionId)).toEqual(['3', '1', '2']);
    expect(mergePage(page, 'VV').map((e) => e.versionId)).toEqual(['3', '1', '2']);
  });
});
