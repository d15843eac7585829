/**
 * --exclude / --include, with aws-cli's semantics
 * (https://docs.aws.amazon.com/cli/latest/reference/s3/#use-of-exclude-and-include-filters,
 * awscli/customizations/s3/filters.py):
 * - every file is included by default;
 * - filters are evaluated in command-line order and the LAST one that matches wins;
 * - patterns are relative to the source directory / prefix (aws-cli joins them onto the
 *   root and matches the full path, which is the same as matching the relative path);
 * - matching is Python's fnmatch: `*` matches everything including `/`, `?` one
 *   character, `[seq]` / `[!seq]` character sets; case-sensitive on POSIX.
 */

export interface FilterRule {
  type: 'include' | 'exclude';
  pattern: string;
}

export type PathFilter = (relativePath: string) => boolean;

/** Python's fnmatch.translate: a glob to an anchored RegExp. */
export function fnmatchToRegExp(pattern: string): RegExp {
  let re = '';
  let i = 0;
  const n = pattern.length;
  while (i < n) {
    const c = pattern[i++]!;
    if (c === '*') {
      // Consecutive stars are equivalent to one.
      while (pattern[i] === '*') i++;
      re += '[\\s\\S]*';
    } else if (c === '?') {
      re += '[\\s\\S]';
    } else if (c === '[') {
      let j = i;
      if (pattern[j] === '!') j++;
      if (pattern[j] === ']') j++;
      while (j < n && pattern[j] !== ']') j++;
      if (j >= n) {
        re += '\\[';
      } else {
        let stuff = pattern.slice(i, j);
        i = j + 1;
        stuff = stuff.replace(/\\/g, '\\\\');
        if (stuff.startsWith('!')) stuff = `^${stuff.slice(1)}`;
        else if (stuff.startsWith('^')) stuff = `\\${stuff}`;
        re += `[${stuff}]`;
      }
    } else {
      re += c.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
    }
  }
  return new RegExp(`^${re}$`);
}

export function buildFilter(rules: readonly FilterRule[]): PathFilter {
  if (rules.length === 0) return () => true;
  const compiled = rules.map((r) => ({ include: r.type === 'include', re: fnmatchToRegExp(r.pattern) }));
  return (relativePath) => {
    let included = true;
    for (const rule of compiled) if (rule.re.test(relativePath)) included = rule.include;
    return included;
  };
}

/**
 * Commander collects --exclude and --include separately; their relative order
 * matters, so recover it from argv.
 */
export function filterRulesFromArgv(argv: readonly string[]): FilterRule[] {
  const rules: FilterRule[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    for (const type of ['include', 'exclude'] as const) {
      const flag = `--${type}`;
      if (arg === flag && i + 1 < argv.length) {
        rules.push({ type, pattern: argv[++i]! });
      } else if (arg.startsWith(`${flag}=`)) {
        rules.push({ type, pattern: arg.slice(flag.length + 1) });
      }
    }
  }
  return rules;
}
