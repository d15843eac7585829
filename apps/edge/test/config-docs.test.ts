/** The README's configuration table is the one the schema generates (scripts/config-docs.ts). */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { README, withTable } from '../scripts/config-docs.js';

describe('README configuration table', () => {
  it('is what src/config/schema.ts generates (run `npm run docs:config -w @bucketfront/edge`)', () => {
    const readme = readFileSync(README, 'utf8');
    expect(readme).toBe(withTable(readme));
  });
});
