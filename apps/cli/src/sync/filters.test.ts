import { describe, expect, it } from 'vitest';
import { buildFilter, filterRulesFromArgv, fnmatchToRegExp, type FilterRule } from './filters.js';

const ex = (pattern: string): FilterRule => ({ type: 'exclude', pattern });
const inc = (pattern: string): FilterRule => ({ type: 'include', pattern });

describe('fnmatch (Python semantics)', () => {
  it.each([
    ['*.txt', 'a.txt', true],
    ['*.txt', 'dir/sub/a.txt', true], // * crosses '/'
    ['*.txt', 'a.txt.bak', false],
    ['dir/*', 'dir/a/b.html', true],
    ['dir/*', 'dir2/a', false],
    ['?.js', 'a.js', true],
    ['?.js', 'ab.js', false],
    ['[ab].js', 'b.js', true],
    ['[!ab].js', 'b.js', false],
    ['[!ab].js', 'c.js', true],
    ['[a-c]x', 'bx', true],
    ['a[', 'a[', true], // unclosed bracket is literal
    ['a.b', 'axb', false], // '.' is literal
    ['(x)+', '(x)+', true],
    ['*', '', true],
    ['**/*.css', 'a.css', false], // no globstar: needs a '/'
    ['**/*.css', 'x/a.css', true],
    ['A.TXT', 'a.txt', false], // case-sensitive
  ])('%s ~ %s → %s', (pattern, path, expected) => {
    expect(fnmatchToRegExp(pattern).test(path)).toBe(expected);
  });
});

describe('include/exclude ordering (last match wins, default include)', () => {
  const files = ['index.html', 'a.txt', 'dir/b.txt', 'dir/c.jpg', '.git/config', 'img/d.png'];
  it.each<[string, FilterRule[], string[]]>([
    ['no filters', [], files],
    ['exclude all', [ex('*')], []],
    ['exclude all then include txt', [ex('*'), inc('*.txt')], ['a.txt', 'dir/b.txt']],
    ['include txt then exclude all', [inc('*.txt'), ex('*')], []],
    ['exclude dir/*', [ex('dir/*')], ['index.html', 'a.txt', '.git/config', 'img/d.png']],
    ['exclude dir, re-include jpg', [ex('dir/*'), inc('*.jpg')], ['index.html', 'a.txt', 'dir/c.jpg', '.git/config', 'img/d.png']],
    ['exclude .git', [ex('.git/*')], ['index.html', 'a.txt', 'dir/b.txt', 'dir/c.jpg', 'img/d.png']],
    ['include only is a no-op', [inc('*.txt')], files],
    ['three rules', [ex('*'), inc('dir/*'), ex('*.jpg')], ['dir/b.txt']],
  ])('%s', (_name, rules, expected) => {
    const f = buildFilter(rules);
    expect(files.filter(f)).toEqual(expected);
  });
});

describe('filterRulesFromArgv keeps command-line order', () => {
  it('interleaves --exclude and --include', () => {
    expect(filterRulesFromArgv(['sync', 'a', 's3://b', '--exclude', '*', '--size-only', '--include=*.txt', '--exclude', 'x/*'])).toEqual([ex('*'), inc('*.txt'), ex('x/*')]);
  });
});
