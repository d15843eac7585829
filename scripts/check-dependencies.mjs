#!/usr/bin/env node
/**
 * Checks the dependency declarations of every workspace against what its files import:
 * - every declared dependency is imported (or, for a tool, run) somewhere it may be;
 * - every imported package is declared (workspace packages included);
 * - nothing under packages/ imports an app (packages are libraries; apps and tests build on them);
 * - each workspace's tsconfig.build.json references exactly the workspace packages it depends on
 *   (`--fix` rewrites them), so `tsc -b` builds in the order the imports need.
 * Run by `npm run lint`; exits 1 with one line per problem.
 */
import { readFileSync, readdirSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { builtinModules } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const fix = process.argv.includes('--fix');
const SOURCE = /\.(?:[cm]?[jt]sx?)$/;
const SKIP_DIRS = new Set(['node_modules', 'dist', '.git', '.work', 'results', '.vitepress-cache']);
const IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|\brequire\s*\(\s*)['"]([^'"\n]+)['"]/g;
/** `import cf from 'cloudfront'` in CloudFront Functions code is the runtime's module, not a package. */
const RUNTIME_MODULES = new Set(['cloudfront']);
const BUILTINS = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);

/** Packages used as commands rather than imports: the binary names to look for in scripts. */
const TOOLS = {
  turbo: ['turbo'],
  typescript: ['tsc', 'typescript'],
  tsx: ['tsx'],
  vitest: ['vitest'],
  vite: ['vite'],
  vitepress: ['vitepress'],
  esbuild: ['esbuild'],
  '@biomejs/biome': ['biome'],
};

function walk(dir, out = []) {
  for (const name of readdirSync(dir)) {
    if (SKIP_DIRS.has(name)) continue;
    const path = join(dir, name);
    const st = statSync(path);
    if (st.isDirectory()) walk(path, out);
    else if (SOURCE.test(name) && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

/** `@scope/name/sub` → `@scope/name`; `name/sub` → `name`; relative and builtins → null. */
function packageOf(specifier) {
  if (specifier.startsWith('.') || specifier.startsWith('/') || BUILTINS.has(specifier) || specifier.startsWith('node:') || RUNTIME_MODULES.has(specifier)) return null;
  if (BUILTINS.has(specifier.split('/')[0])) return null;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

function importsOf(files) {
  const found = new Map(); // package → first file
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(IMPORT)) {
      const pkg = packageOf(m[1]);
      if (pkg && !found.has(pkg)) found.set(pkg, relative(root, file));
    }
  }
  return found;
}

const rootPkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const workspaces = rootPkg.workspaces.flatMap((pattern) => {
  const base = pattern.replace(/\/\*$/, '');
  return readdirSync(join(root, base))
    .map((name) => join(base, name))
    .filter((dir) => existsSync(join(root, dir, 'package.json')));
});
const manifests = new Map(workspaces.map((dir) => [dir, JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8'))]));
const dirOf = new Map([...manifests].map(([dir, pkg]) => [pkg.name, dir]));

const problems = [];
const scriptsText = (pkg) => Object.values(pkg.scripts ?? {}).join('\n');
const usedAsTool = (dep, text) => (TOOLS[dep] ?? []).some((bin) => new RegExp(`(^|[\\s/'"])${bin}([\\s'"]|$)`, 'm').test(text));
const typesFor = (dep) => dep.replace(/^@types\//, '').replace(/^(.+)__(.+)$/, '@$1/$2');

// Root devDependencies serve every workspace's tests and the tools: search the whole tree.
const everyFile = walk(root);
const everyImport = importsOf(everyFile);
const toolText =
  [scriptsText(rootPkg), ...[...manifests.values()].map(scriptsText), readFileSync(join(root, '.ci/run'), 'utf8')].join('\n') +
  everyFile
    .filter((f) => f.endsWith('.mjs') || f.endsWith('.sh'))
    .map((f) => readFileSync(f, 'utf8'))
    .join('\n');
for (const dep of Object.keys({ ...rootPkg.dependencies, ...rootPkg.devDependencies })) {
  const used = dep.startsWith('@types/') ? everyImport.has(typesFor(dep)) || dep === '@types/node' : everyImport.has(dep) || usedAsTool(dep, toolText);
  if (!used) problems.push(`package.json: devDependency ${dep} is imported by nothing`);
}

for (const [dir, pkg] of manifests) {
  const files = walk(join(root, dir));
  const imports = importsOf(files);
  const declared = { ...pkg.dependencies, ...pkg.devDependencies };
  for (const dep of Object.keys(declared)) {
    const used = dep.startsWith('@types/')
      ? imports.has(typesFor(dep))
      : imports.has(dep) ||
        usedAsTool(
          dep,
          scriptsText(pkg) +
            files
              .filter((f) => f.endsWith('.mjs'))
              .map((f) => readFileSync(f, 'utf8'))
              .join('\n'),
        );
    if (!used) problems.push(`${dir}/package.json: ${dep} is declared but nothing in ${dir} imports it`);
  }
  for (const [imported, file] of imports) {
    if (imported === pkg.name) continue;
    const isWorkspace = dirOf.has(imported);
    if (isWorkspace && !(imported in declared)) problems.push(`${file}: imports ${imported}, which ${dir}/package.json does not declare`);
    if (!isWorkspace && !(imported in declared) && !(imported in (rootPkg.devDependencies ?? {}))) problems.push(`${file}: imports ${imported}, declared nowhere`);
    if (dir.startsWith('packages/') && isWorkspace && dirOf.get(imported).startsWith('apps/'))
      problems.push(`${file}: a package imports the app ${imported} (packages are libraries; move the code to the app or to tests/)`);
  }

  // tsconfig.build.json references = the workspace packages this one depends on (that have a build).
  const buildConfig = join(root, dir, 'tsconfig.build.json');
  if (!existsSync(buildConfig)) continue;
  const config = JSON.parse(readFileSync(buildConfig, 'utf8'));
  const want = Object.keys(pkg.dependencies ?? {})
    .filter((dep) => dirOf.has(dep) && existsSync(join(root, dirOf.get(dep), 'tsconfig.build.json')))
    .map((dep) => relative(join(root, dir), join(root, dirOf.get(dep), 'tsconfig.build.json')))
    .sort();
  const have = (config.references ?? []).map((r) => r.path).sort();
  if (JSON.stringify(want) !== JSON.stringify(have)) {
    if (fix) {
      config.references = want.map((path) => ({ path }));
      writeFileSync(buildConfig, JSON.stringify(config, null, 2) + '\n');
    } else problems.push(`${dir}/tsconfig.build.json: references [${have.join(', ')}], its dependencies need [${want.join(', ')}] (run node scripts/check-dependencies.mjs --fix)`);
  }
}

if (problems.length > 0) {
  for (const p of problems) console.error(p);
  console.error(`${problems.length} dependency problem${problems.length === 1 ? '' : 's'}`);
  process.exit(1);
}
console.log(`dependencies: ${manifests.size} workspaces, every declared dependency used, every import declared`);
