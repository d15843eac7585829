import { describe, expect, it } from 'vitest';
import { tlsVersionPolicy } from './version-policy.js';

const dist = (id: string, aliases: string[], minimumProtocolVersion?: 'TLSv1.3_2025' | 'TLSv1.2_2021' | 'TLSv1.1_2016' | 'SSLv3') => ({
  id,
  aliases,
  ...(minimumProtocolVersion === undefined ? {} : { viewerCertificate: { minimumProtocolVersion } }),
});

describe('tlsVersionPolicy', () => {
  const policy = tlsVersionPolicy([dist('EAAA', ['strict.example'], 'TLSv1.3_2025'), dist('EBBB', ['lax.example'], 'TLSv1.1_2016'), dist('ECCC', ['plain.example'])]);

  it('picks the policy of the distribution a name selects (alias or id label), the strictest for any other name', () => {
    expect(policy.required('strict.example')).toBe('TLSv1.3');
    expect(policy.required('LAX.example.:8443')).toBe('TLSv1.1');
    expect(policy.required('plain.example')).toBe('TLSv1.2'); // no policy: TLSv1.2_2021
    expect(policy.required('ebbb.edge.test')).toBe('TLSv1.1');
    expect(policy.required('unknown.example')).toBe('TLSv1.3');
    expect(policy.required(false)).toBe('TLSv1.3');
    expect(policy.loosest).toBe('TLSv1.1');
    expect(policy.uniform).toBe(false);
  });

  it('an alias of one distribution whose first label is the id of another: the stricter', () => {
    const p = tlsVersionPolicy([dist('EAAA', [], 'TLSv1.3_2025'), dist('EBBB', ['eaaa.example'], 'TLSv1.2_2021')]);
    expect(p.required('eaaa.example')).toBe('TLSv1.3');
  });

  it('one distribution serves every name', () => {
    const p = tlsVersionPolicy([dist('EAAA', ['a.example'], 'SSLv3')]);
    expect(p.required('other.example')).toBe('TLSv1');
    expect(p.uniform).toBe(true);
  });

  it('compares negotiated versions', () => {
    expect(policy.allows('TLSv1.2', 'TLSv1.3')).toBe(false);
    expect(policy.allows('TLSv1.3', 'TLSv1.2')).toBe(true);
    expect(policy.allows('TLSv1.2', 'TLSv1.2')).toBe(true);
    expect(policy.allows(null, 'TLSv1')).toBe(false);
  });
});
