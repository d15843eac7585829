/**
 * Where `replication add-remote` takes the remote's access key from, safest first, as the aws CLI
 * and `docker login --password-stdin` do (docs/replication.md#remotes):
 * `--secret-access-key-stdin` (one line of stdin), else `$BUCKETFRONT_REMOTE_SECRET_ACCESS_KEY`,
 * else `--secret-access-key` on the command line, which any user sees in `ps` and which stays in
 * shell history, so it draws a warning. The secret itself is never printed.
 */
import { UsageError } from '../util/errors.js';

export const REMOTE_ACCESS_KEY_ID_ENV = 'BUCKETFRONT_REMOTE_ACCESS_KEY_ID';
export const REMOTE_SECRET_ENV = 'BUCKETFRONT_REMOTE_SECRET_ACCESS_KEY';

export interface RemoteSecretOpts {
  accessKeyId?: string;
  secretAccessKey?: string;
  secretAccessKeyStdin?: boolean;
}

export const SECRET_SOURCES = `--secret-access-key-stdin, $${REMOTE_SECRET_ENV} or --secret-access-key`;

/** `--access-key-id`, else `$BUCKETFRONT_REMOTE_ACCESS_KEY_ID`; undefined when neither is set. */
export function remoteAccessKeyId(o: RemoteSecretOpts, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return nonEmpty(o.accessKeyId) ?? nonEmpty(env[REMOTE_ACCESS_KEY_ID_ENV]);
}

/**
 * The secret from the one source given. Both flags at once is a usage error; the environment
 * variable is the default when neither flag is given. `warn` gets the command-line warning.
 */
export async function remoteSecret(o: RemoteSecretOpts, warn: (line: string) => void, env: NodeJS.ProcessEnv = process.env, stdin: AsyncIterable<Buffer | string> = process.stdin): Promise<string> {
  const onCommandLine = o.secretAccessKey !== undefined;
  if (onCommandLine && o.secretAccessKeyStdin) throw new UsageError('give --secret-access-key or --secret-access-key-stdin, not both');
  if (o.secretAccessKeyStdin) {
    const line = await readLine(stdin);
    if (line === '') throw new UsageError('--secret-access-key-stdin read an empty line: pipe the secret to stdin');
    return line;
  }
  if (onCommandLine) {
    if (o.secretAccessKey === '') throw new UsageError('--secret-access-key is empty');
    warn(`warning: --secret-access-key on the command line is visible to other users (ps) and kept in shell history; use --secret-access-key-stdin or $${REMOTE_SECRET_ENV} instead`);
    return o.secretAccessKey!;
  }
  const fromEnv = nonEmpty(env[REMOTE_SECRET_ENV]);
  if (fromEnv !== undefined) return fromEnv;
  throw new UsageError(`add-remote needs the secret access key: ${SECRET_SOURCES}`);
}

/** The first line of `input` without its line ending (all of it when there is no newline). */
async function readLine(input: AsyncIterable<Buffer | string>): Promise<string> {
  let text = '';
  for await (const chunk of input) {
    text += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    if (text.includes('\n')) break; // leaving the loop releases stdin
  }
  return text.split('\n', 1)[0]!.replace(/\r$/, '');
}

function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v === '' ? undefined : v;
}
