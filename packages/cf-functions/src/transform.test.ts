import { describe, expect, it } from 'vitest';
import { findImports, wrapFunctionCode } from './transform.js';

function rewritten(code: string): string {
  const w = wrapFunctionCode(code, true);
  if ('error' in w) throw new Error(w.error);
  return w.source;
}

describe('import rewriting', () => {
  it('rewrites default, namespace, named and bare imports, keeping line numbers', () => {
    const code = [
      "import cf from 'cloudfront';",
      'import * as qs from "querystring";',
      "import { createHash, createHmac as hmac } from 'crypto';",
      "import crypto, { createHash as h2 } from 'crypto';",
      "import 'buffer';",
      'function handler(e) { return e.request; }',
    ].join('\n');
    const out = rewritten(code);
    expect(out).toContain('const cf = __cf_import__("cloudfront", 1);');
    expect(out).toContain('const qs = __cf_import__("querystring", 0);');
    expect(out).toContain('const { createHash, createHmac: hmac } = __cf_import__("crypto", 0);');
    expect(out).toContain('const crypto = __cf_import__("crypto", 1); const { createHash: h2 } = __cf_import__("crypto", 0);');
    expect(out).toContain('__cf_import__("buffer", 0);');
    expect(out.split('\n').findIndex((l) => l.includes('function handler'))).toBe(5);
  });

  it('leaves "import" alone inside strings, templates, comments, regexes, blocks and dynamic import()', () => {
    const code = [
      'var s = \'import x from "fs"\';',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the function source under test holds a template literal
      'var t = `import y from "fs" ${1 + 1} import z from "fs"`;',
      '// import a from "fs"',
      '/* import b from "fs" */',
      'var r = /import c from "fs"/;',
      "function f() { return import('fs'); }",
      'var o = { import: 1 }; o.import;',
      'function handler(e) { return e.request; }',
    ].join('\n');
    expect(findImports(code)).toEqual([]);
  });

  it('reports the module names, and refuses imports in the 1.0 runtime', () => {
    const w = wrapFunctionCode("import cf from 'cloudfront';\nimport qs from 'querystring';", true);
    expect('imports' in w && w.imports).toEqual(['cloudfront', 'querystring']);
    expect(wrapFunctionCode("import cf from 'cloudfront';", false)).toEqual({ error: expect.stringMatching(/cloudfront-js-2\.0/) });
  });
});
