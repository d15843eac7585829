import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { escapesRoot, listLocal, localPathFor } from './local-listing.js';

let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'bf-local-listing-'));
  await mkdir(join(root, 'a/b'), { recursive: true });
  await writeFile(join(root, 'a/b/c.txt'), 'abc');
  await writeFile(join(root, 'top.html'), 'x');
  await symlink(join(root, 'top.html'), join(root, 'link.html'));
  await symlink(join(root, 'missing'), join(root, 'dangling'));
  await symlink(root, join(root, 'a/loop')); // a directory link back to the root
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('listLocal', () => {
  it('lists files with relative /-paths, follows links, skips dangling ones, survives loops', async () => {
    const rels = (await listLocal(root)).map((e) => e.rel);
    expect(rels).toContain('a/b/c.txt');
    expect(rels).toContain('top.html');
    expect(rels).toContain('link.html');
    expect(rels).not.toContain('dangling');
    // The loop is followed once, then stops.
    expect(rels.filter((r) => r.endsWith('c.txt')).length).toBeLessThanOrEqual(2);
  });

  it('a missing root lists as empty', async () => {
    expect(await listLocal(join(root, 'nope'))).toEqual([]);
  });

  it.each([
    ['a/b.txt', false],
    ['../x', true],
    ['a/../../x', true],
    ['a/../b', false],
    ['..', true],
    ['', true],
    ['./a', false],
  ])('escapesRoot(%s) → %s', (rel, expected) => {
    expect(escapesRoot('/dest', rel)).toBe(expected);
  });

  it('paths are absolute', async () => {
    const entries = await listLocal(root);
    expect(entries.every((e) => e.path.startsWith('/'))).toBe(true);
  });

  it('localPathFor joins /-separated keys', () => {
    expect(localPathFor('/x', 'a/b.txt')).toBe('/x/a/b.txt');
  });
});
