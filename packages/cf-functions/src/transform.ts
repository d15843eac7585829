/**
 * Turns a CloudFront function's source into a factory the sandbox calls once per invocation.
 *
 * CloudFront gives every request a fresh function state; re-running the function's top level per
 * invocation (inside a factory) gives the same: top-level `var`/`let`/`const` and function
 * declarations are new each time, while parsing happens once. Runtime 2.0's static `import`
 * declarations cannot sit inside a function, so they are rewritten to calls of the sandbox's
 * module table (`import cf from 'cloudfront'` → `const cf = __cf_import__("cloudfront", 1)`),
 * keeping line numbers. Dynamic `import()` is left alone: the sandbox has no module loader, so it
 * rejects.
 */

export const IMPORT_FN = '__cf_import__';

export interface ImportDecl {
  start: number;
  end: number;
  replacement: string;
  specifier: string;
}

const IDENT = '[A-Za-z_$][\\w$]*';
const IMPORT_RE = new RegExp(`import\\s*(?:(${IDENT})\\s*,?\\s*)?(?:\\*\\s*as\\s+(${IDENT})|\\{([^}]*)\\})?\\s*(?:from\\s*)?(['"])([^'"\\n]*)\\4[ \\t]*;?`, 'y');

/** Characters after which a `/` starts a regular expression rather than a division. */
const REGEX_PRECEDERS = new Set(['', '(', ',', '=', ':', '[', '!', '&', '|', '?', '{', '}', ';', '+', '-', '*', '%', '<', '>', '~', '^']);
const REGEX_KEYWORDS = new Set(['return', 'typeof', 'instanceof', 'in', 'of', 'new', 'delete', 'void', 'throw', 'case', 'do', 'else', 'yield', 'await']);

/**
 * Finds top-level `import` declarations. A small scanner skips strings, template literals,
 * comments and regular expression literals and tracks nesting, so `import` inside them or inside
 * a block is not touched.
 */
export function findImports(code: string): ImportDecl[] | { error: string } {
  const found: ImportDecl[] = [];
  let depth = 0;
  let i = 0;
  let last = ''; // last significant token (punctuator char or word)
  const templateDepths: number[] = []; // brace depth at which each open `${` resumes a template
  const n = code.length;
  const skipTemplate = (): void => {
    // positioned after a backtick or after the `}` closing a substitution
    while (i < n) {
      const c = code[i];
      if (c === '\\') {
        i += 2;
        continue;
      }
      if (c === '`') {
        i++;
        return;
      }
      if (c === '$' && code[i + 1] === '{') {
        i += 2;
        templateDepths.push(depth);
        depth++;
        return;
      }
      i++;
    }
  };
  while (i < n) {
    const c = code[i]!;
    if (c === '/' && code[i + 1] === '/') {
      while (i < n && code[i] !== '\n') i++;
      continue;
    }
    if (c === '/' && code[i + 1] === '*') {
      const e = code.indexOf('*/', i + 2);
      i = e < 0 ? n : e + 2;
      continue;
    }
    if (c === '"' || c === "'") {
      i++;
      while (i < n && code[i] !== c && code[i] !== '\n') {
        if (code[i] === '\\') i++;
        i++;
      }
      i++;
      last = 'str';
      continue;
    }
    if (c === '`') {
      i++;
      skipTemplate();
      last = 'str';
      continue;
    }
    if (c === '/') {
      if (REGEX_PRECEDERS.has(last) || REGEX_KEYWORDS.has(last)) {
        i++;
        let inClass = false;
        while (i < n && code[i] !== '\n') {
          const d = code[i];
          if (d === '\\') {
            i += 2;
            continue;
          }
          if (d === '[') inClass = true;
          else if (d === ']') inClass = false;
          else if (d === '/' && !inClass) break;
          i++;
        }
        i++;
        while (i < n && /[a-z]/i.test(code[i]!)) i++;
        last = 'regex';
        continue;
      }
      i++;
      last = '/';
      continue;
    }
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (/[A-Za-z_$]/.test(c)) {
      const m = /[\w$]+/y;
      m.lastIndex = i;
      const word = m.exec(code)![0];
      if (word === 'import' && depth === 0 && last !== '.') {
        // `import(` and `import.meta` are expressions, not declarations
        let j = i + 6;
        while (j < n && /\s/.test(code[j]!)) j++;
        if (code[j] !== '(' && code[j] !== '.') {
          IMPORT_RE.lastIndex = i;
          const d = IMPORT_RE.exec(code);
          if (!d) return { error: 'SyntaxError: unsupported import declaration' };
          const [text, def, ns, named, , specifier] = d;
          found.push({ start: i, end: i + text.length, specifier: specifier!, replacement: importReplacement(text, specifier!, def, ns, named) });
          i += text.length;
          last = ';';
          continue;
        }
      }
      i += word.length;
      last = word;
      continue;
    }
    if (c === '{') {
      depth++;
      last = c;
      i++;
      continue;
    }
    if (c === '}') {
      if (templateDepths.length > 0 && templateDepths[templateDepths.length - 1] === depth - 1) {
        templateDepths.pop();
        depth--;
        i++;
        skipTemplate();
        last = 'str';
        continue;
      }
      depth--;
      last = c;
      i++;
      continue;
    }
    if (/[0-9]/.test(c)) {
      const m = /[0-9a-fA-FxXoObBn_.eE]+/y;
      m.lastIndex = i;
      i += m.exec(code)![0].length;
      last = 'num';
      continue;
    }
    last = c;
    i++;
  }
  return found;
}

function importReplacement(text: string, specifier: string, def?: string, ns?: string, named?: string): string {
  const spec = JSON.stringify(specifier);
  const parts: string[] = [];
  if (def) parts.push(`const ${def} = ${IMPORT_FN}(${spec}, 1);`);
  if (ns) parts.push(`const ${ns} = ${IMPORT_FN}(${spec}, 0);`);
  if (named !== undefined) {
    const bindings = named
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s.length > 0)
      .map((s) => s.replace(/\s+as\s+/, ': '));
    parts.push(`const { ${bindings.join(', ')} } = ${IMPORT_FN}(${spec}, 0);`);
  }
  if (parts.length === 0) parts.push(`${IMPORT_FN}(${spec}, 0);`);
  // keep the line count so error positions still match the source
  const newlines = text.split('\n').length - 1;
  return parts.join(' ') + '\n'.repeat(newlines);
}

export interface Wrapped {
  /** The factory expression. */
  source: string;
  /** The function's code with imports rewritten, as a script (checked on its own before wrapping). */
  body: string;
  imports: string[];
}

/**
 * The factory: `(function(){ "use strict"; return function (__cf_import__) { <code> ; return handler } })()`.
 * The prologue sits on the first line so line numbers in errors match the function's source.
 * `body` must be checked as a standalone script first (engine.ts does): code such as `}}; …`
 * would otherwise close the factory and run outside it.
 */
export function wrapFunctionCode(code: string, allowImports: boolean): Wrapped | { error: string } {
  const imports = findImports(code);
  if ('error' in imports) return imports;
  if (imports.length > 0 && !allowImports) {
    return { error: 'SyntaxError: import declarations require the cloudfront-js-2.0 runtime' };
  }
  let body = '';
  let at = 0;
  for (const d of imports) {
    body += code.slice(at, d.start) + d.replacement;
    at = d.end;
  }
  body += code.slice(at);
  const source = `(function () { "use strict"; return function (${IMPORT_FN}) { ` + body + `\n;return typeof handler === "function" ? handler : undefined; }; })()`;
  return { source, body, imports: imports.map((d) => d.specifier) };
}
