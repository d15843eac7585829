/**
 * Local paths in output lines, as aws-cli prints them: `relative_path` in
 * awscli/customizations/s3/utils.py, i.e. `os.path.join(os.path.relpath(dirname, cwd), basename)`
 * of the absolute path. Whatever the user typed (`./site`, `site/`, an absolute path),
 * the line names the file relative to the working directory, and a file directly in it
 * gets Python's `./` prefix: `upload: ./a.html to s3://b/a.html`.
 */
import { basename, dirname, relative, resolve, sep } from 'node:path';

export function displayPath(path: string, cwd: string = process.cwd()): string {
  const abs = resolve(cwd, path);
  const dir = relative(resolve(cwd), dirname(abs)) || '.';
  return `${dir}${sep}${basename(abs)}`;
}
