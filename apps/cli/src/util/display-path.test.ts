import { describe, expect, it } from 'vitest';
import { displayPath } from './display-path.js';

// Expected values printed by aws-cli 1.45 for the same paths (see test/aws-filters.test.ts for the live comparison).
describe('displayPath (aws-cli relative_path)', () => {
  it.each([
    ['site/a.html', '/w', 'site/a.html'],
    ['./site/a.html', '/w', 'site/a.html'],
    ['./site//sub/c.txt', '/w', 'site/sub/c.txt'],
    ['/w/site/a.html', '/w', 'site/a.html'],
    ['a.html', '/w', './a.html'],
    ['./a.html', '/w', './a.html'],
    ['/w/a.html', '/w', './a.html'],
    ['/tmp/x/site/a.html', '/w/repo', '../../tmp/x/site/a.html'],
    ['../other/a.html', '/w/repo', '../other/a.html'],
    ['site/sub/../a.html', '/w', 'site/a.html'],
  ])('%s from %s → %s', (path, cwd, expected) => {
    expect(displayPath(path, cwd)).toBe(expected);
  });
});
