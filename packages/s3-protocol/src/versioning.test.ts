import { describe, expect, it } from 'vitest';
import { S3Error } from './errors.js';
import { checkVersionIdMarker, parseVersioningConfiguration, versionIdParam } from './versioning.js';

const doc = (inner: string): string => `<VersioningConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${inner}</VersioningConfiguration>`;

describe('versionIdParam', () => {
  it('absent, present, and empty (InvalidArgument, as S3)', () => {
    expect(versionIdParam(new Map())).toBeUndefined();
    expect(versionIdParam(new Map([['versionId', 'null']]))).toBe('null');
    expect(versionIdParam(new Map([['versionId', '3HL4kqtJ.v']]))).toBe('3HL4kqtJ.v');
    const empty = versionIdParam(new Map([['versionId', '']]));
    expect(empty).toBeInstanceOf(S3Error);
    expect(empty).toMatchObject({ code: 'InvalidArgument', status: 400, message: 'Version id cannot be the empty string', detail: { ArgumentName: 'versionId', ArgumentValue: '' } });
  });
});

describe('parseVersioningConfiguration', () => {
  it.each([
    [doc('<Status>Enabled</Status>'), { status: 'Enabled' }],
    [doc('<Status>Suspended</Status>'), { status: 'Suspended' }],
    [doc('<Status>Enabled</Status><MfaDelete>Disabled</MfaDelete>'), { status: 'Enabled', mfaDelete: 'Disabled' }],
    [doc('<MfaDelete>Enabled</MfaDelete>'), { mfaDelete: 'Enabled' }],
    [doc(''), {}],
    ['<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>', { status: 'Enabled' }],
  ])('%s', (xml, expected) => {
    expect(parseVersioningConfiguration(xml)).toEqual(expected);
  });

  it.each([
    ['an unknown status', doc('<Status>On</Status>')],
    ['a lower-case status', doc('<Status>enabled</Status>')],
    ['an unknown MfaDelete', doc('<Status>Enabled</Status><MfaDelete>Yes</MfaDelete>')],
    ['another root', '<Versioning><Status>Enabled</Status></Versioning>'],
    ['not XML', 'Enabled'],
    ['an empty body', ''],
    ['a status twice', doc('<Status>Enabled</Status><Status>Suspended</Status>')],
  ])('%s → MalformedXML', (_name, xml) => {
    expect(parseVersioningConfiguration(xml)).toMatchObject({ code: 'MalformedXML', status: 400 });
  });
});

describe('checkVersionIdMarker', () => {
  it('needs a key-marker and may not be empty; any other value is the listing’s to judge', () => {
    expect(checkVersionIdMarker('', undefined)).toBeUndefined();
    expect(checkVersionIdMarker('k', 'v1')).toBeUndefined();
    expect(checkVersionIdMarker('k', 'null')).toBeUndefined();
    expect(checkVersionIdMarker('', 'v1')).toMatchObject({ code: 'InvalidArgument', message: 'A version-id marker cannot be specified without a key marker.' });
    expect(checkVersionIdMarker('k', '')).toMatchObject({ code: 'InvalidArgument', message: 'A version-id marker cannot be empty.' });
  });
});
