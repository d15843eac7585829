/**
 * `npx bucketfront` from the repository root: npm links the bin at install time, so the
 * bin file must exist before the build (apps/cli/bin/bucketfront.mjs), and it runs dist/.
 */
import { execFile } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './helpers.js';

const run = promisify(execFile);
const LINK = join(REPO_ROOT, 'node_modules', '.bin', 'bucketfront');
const BUILT = existsSync(join(REPO_ROOT, 'apps/cli/dist/bin.js'));
if (!BUILT) console.warn('\n*** bin-link.test: apps/cli/dist is missing; run `npm run build` (npm test does) ***\n');

describe('the bucketfront bin', () => {
  it('is linked by npm install to the committed launcher', () => {
    expect(realpathSync(LINK)).toBe(join(REPO_ROOT, 'apps/cli/bin/bucketfront.mjs'));
  });

  it.skipIf(!BUILT)('npx --no-install bucketfront runs the built CLI from the repository root', async () => {
    const pkg = (await import(join(REPO_ROOT, 'apps/cli/package.json'), { with: { type: 'json' } })) as { default: { version: string } };
    const { stdout } = await run('npx', ['--no-install', 'bucketfront', '--version'], { cwd: REPO_ROOT, timeout: 30_000 });
    expect(stdout.trim()).toBe(pkg.default.version);
  });
});
