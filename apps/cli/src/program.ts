/**
 * The `bucketfront` command line. Command modules are imported when their command
 * runs, so `sync` never loads the CloudFront client or the servers.
 */
import { Command, CommanderError, Option } from 'commander';
import { addAwsOptions, addOutputOptions, addTransferOptions } from './commands/common.js';
import { CliError, describeError } from './util/errors.js';

export function createProgram(argv: readonly string[], setExit: (code: number) => void): Command {
  const program = new Command('bucketfront')
    .description('Self-hosted S3 static website hosting with a CloudFront-style edge: sync, deploy, invalidate, and the servers.')
    .version('0.1.0')
    .showHelpAfterError()
    .exitOverride();

  const run =
    <A extends unknown[]>(fn: (...args: A) => Promise<number>) =>
    async (...args: A): Promise<void> => {
      setExit(await fn(...args));
    };

  const rest = argv.slice(2);

  addOutputOptions(
    addTransferOptions(addAwsOptions(program.command('sync').argument('<src>').argument('<dst>')), { sync: true }).description(
      'sync a directory and a bucket prefix (local→s3, s3→local, s3→s3); unchanged content is never transferred',
    ),
  ).action(run(async (src: string, dst: string, o) => (await import('./commands/sync.js')).syncCommand(src, dst, o, rest)));

  for (const kind of ['cp', 'mv'] as const) {
    addOutputOptions(
      addTransferOptions(addAwsOptions(program.command(kind).argument('<src>').argument('<dst>')), { sync: false })
        .option('--recursive', 'every object/file under the prefix/directory')
        .description(kind === 'cp' ? 'copy a file or object (or a tree with --recursive)' : 'move a file or object (or a tree with --recursive)'),
    ).action(run(async (src: string, dst: string, o) => (await import('./commands/cp.js')).cpCommand(kind, src, dst, o, rest)));
  }

  addAwsOptions(program.command('ls').argument('[s3url]'))
    .description('list buckets, or objects and PRE prefixes under s3://bucket[/prefix]')
    .option('--recursive', 'every object under the prefix')
    .option('--human-readable', 'sizes in KiB/MiB/…')
    .option('--summarize', 'print totals')
    .option('--versions', 'every version and delete marker (ListObjectVersions): date, size or DELETE MARKER, version id, latest, key')
    .action(run(async (target: string | undefined, o) => (await import('./commands/ls.js')).lsCommand(target, o)));

  addOutputOptions(addAwsOptions(program.command('rm').argument('<s3url>')))
    .description('delete an object (or every object under a prefix with --recursive)')
    .option('--recursive', 'every object under the prefix')
    .option('--dryrun', 'show what would be deleted')
    .option('--exclude <glob>', 'exclude matching keys (repeatable)', (v: string, p: string[] = []) => [...p, v])
    .option('--include <glob>', 'include matching keys (repeatable)', (v: string, p: string[] = []) => [...p, v])
    .option('--concurrency <n>', 'requests in flight')
    .action(run(async (target: string, o) => (await import('./commands/buckets.js')).rmCommand(target, o, rest)));

  addAwsOptions(program.command('versioning').argument('<s3url>', 's3://bucket').argument('[action]', 'enable or suspend; none: print the status'))
    .description("show a bucket's versioning status, or enable or suspend versioning (PutBucketVersioning)")
    .option('--json', 'print {"bucket", "status"}')
    .action(run(async (target: string, action: string | undefined, o) => (await import('./commands/versioning.js')).versioningCommand(target, action, o)));

  const cannedAcl = () =>
    new Option('--acl <acl>', "canned ACL for the new current version (default: the restored version's own grants)").choices([
      'private',
      'public-read',
      'public-read-write',
      'authenticated-read',
      'aws-exec-read',
      'bucket-owner-read',
      'bucket-owner-full-control',
    ]);

  addAwsOptions(program.command('restore').argument('<s3url>', 's3://bucket/key'))
    .description('make an earlier version of an object the current one (a server-side copy of key?versionId=ID onto the key; every version stays)')
    .requiredOption('--to-version <id>', 'the version id to restore (bucketfront ls --versions lists them)')
    .addOption(cannedAcl())
    .option('--json', 'print {"bucket", "key", "restored", "versionId", "changed"}')
    .action(run(async (target: string, o) => (await import('./commands/restore.js')).restoreCommand(target, o)));

  addAwsOptions(program.command('rollback').argument('<s3url>', 's3://bucket[/prefix]'))
    .description('put every key under the prefix back as it was at TIME: older versions are copied back, keys that did not exist get a delete marker (docs/rollback.md)')
    .requiredOption('--to <time>', 'ISO 8601 (2024-05-01T12:00:03Z), a time as `ls --versions` prints it (local), or an age: 30s, 10m, 2h, 1d')
    .option('--dryrun', 'print the plan, change nothing (also --dry-run)')
    .addOption(new Option('--dry-run', 'the same as --dryrun').hideHelp())
    .addOption(cannedAcl())
    .option('--concurrency <n>', 'copies and deletes in flight (default 16)')
    .option('--json', 'print one JSON summary document instead of lines')
    .option('--quiet', 'print no operation lines, no summary and no failure lines (the exit code and a final error line still tell)')
    .option('--no-progress', 'no done/total count on stderr')
    .option('--distribution <id>', 'then invalidate exactly the changed paths on this distribution')
    .option('--edge-endpoint-url <url>', 'edge control API (CloudFront endpoint; default: AWS, or $AWS_ENDPOINT_URL_CLOUDFRONT)')
    .option('--origin-path <path>', 'the distribution serves s3://bucket/<path>/ at its root: strip it from invalidation paths')
    .option('--max-invalidation-paths <n>', 'above this many paths invalidate /* instead', '3000')
    .option('--wait', 'wait until the invalidation is Completed')
    .action(run(async (target: string, o) => (await import('./commands/rollback.js')).rollbackCommand(target, o)));

  addAwsOptions(program.command('mb').argument('<s3url>'))
    .description('make a bucket')
    .action(run(async (target: string, o) => (await import('./commands/buckets.js')).mbCommand(target, o)));

  addOutputOptions(addAwsOptions(program.command('rb').argument('<s3url>')))
    .description('remove an empty bucket (--force: delete its objects first)')
    .option('--force', 'delete all objects first')
    .action(run(async (target: string, o) => (await import('./commands/buckets.js')).rbCommand(target, o, rest)));

  addAwsOptions(program.command('website').argument('<s3url>'))
    .description('configure a bucket as a static website (PutBucketWebsite), optionally publicly readable (--public)')
    .option('--index-document <suffix>', 'index document suffix', 'index.html')
    .option('--error-document <key>', 'error document key')
    .option(
      '--spa-fallback <key>',
      'serve this key with status 200 for keys anonymous readers may not read, missing or private (single-page apps; bucketfront extension: the origin must run with --spa-fallback)',
    )
    .addOption(
      new Option(
        '--public',
        'also make the bucket publicly readable: a bucket policy granting everyone s3:GetObject on its objects, no listing (and Block Public Access off for policies where the endpoint has it)',
      ).conflicts('private'),
    )
    .option('--private', 'also take back the public s3:GetObject grant --public adds (Block Public Access is left as it is)')
    .action(run(async (target: string, o) => (await import('./commands/website.js')).websiteCommand(target, o)));

  const kms = program.command('kms').description('the built-in key service for SSE-KMS and the master key (docs/encryption.md#keys)');
  const kmsStore = (c: Command): Command =>
    c
      .option('--data <dir>', 'the fs store (default ./data)')
      .option('--store <spec>', 'the store: fs:DIR or s3:URL (as `bucketfront origin --store`)')
      .option('--region <region>', 'region in key ARNs', 'us-east-1')
      .option('--json', 'print JSON');
  kmsStore(kms.command('create-key'))
    .description('create a customer managed key (SSE-KMS)')
    .option('--description <text>', 'what the key is for')
    .option('--alias <alias/name>', 'an alias, e.g. alias/site-assets')
    .option('--key-id <id>', 'choose the key id instead of a random UUID (bucketfront extension: e.g. to keep the names of keys moved from another system)')
    .action(run(async (o) => (await import('./commands/kms.js')).kmsCreateKey(o)));
  kmsStore(kms.command('list-keys'))
    .description('list the KMS keys with their state and aliases')
    .action(run(async (o) => (await import('./commands/kms.js')).kmsListKeys(o)));
  for (const [name, state] of [
    ['disable-key', 'Disabled'],
    ['enable-key', 'Enabled'],
  ] as const) {
    kmsStore(kms.command(name).argument('<key>', 'key id, ARN, alias or alias ARN'))
      .description(state === 'Disabled' ? 'disable a key: objects under it cannot be read or written (KMS.DisabledException) until it is enabled' : 'enable a disabled key')
      .action(run(async (key: string, o) => (await import('./commands/kms.js')).kmsSetKeyState(key, state, o)));
  }
  kmsStore(kms.command('rotate-master-key'))
    .description('add a new master key to the master key file and re-wrap every key under it (no object is rewritten)')
    .action(run(async (o) => (await import('./commands/kms.js')).kmsRotateMasterKey(o)));

  const admin = program.command('admin').description("the origin's users and access keys, beside running origins (docs/users.md)");
  const adminStore = (c: Command): Command =>
    c.option('--data <dir>', 'the fs store (default ./data)').option('--store <spec>', 'the store: fs:DIR or s3:URL (as `bucketfront origin --store`)').option('--json', 'print JSON');
  const user = admin.command('user').description('create, list and delete users');
  adminStore(user.command('create').argument('<name>'))
    .description('create a user and its first access key (the secret is printed once)')
    .option('--email <address>', 'for ACL grants by e-mail address (emailAddress grantees)')
    .action(run(async (name: string, o) => (await import('./commands/admin.js')).adminUserCreate(name, o)));
  adminStore(user.command('list'))
    .description('list the users: name, canonical id, e-mail, access key ids')
    .action(run(async (o) => (await import('./commands/admin.js')).adminUserList(o)));
  adminStore(user.command('delete').argument('<name>'))
    .description('delete a user and its keys (refused while it owns buckets; never the first user)')
    .action(run(async (name: string, o) => (await import('./commands/admin.js')).adminUserDelete(name, o)));
  const key = admin.command('key').description('create, list and delete access keys');
  adminStore(key.command('create').argument('<user>'))
    .description('another access key for a user (at most 2 stored keys per user, as IAM; the secret is printed once)')
    .action(run(async (name: string, o) => (await import('./commands/admin.js')).adminKeyCreate(name, o)));
  adminStore(key.command('list').argument('[user]'))
    .description('list access key ids (of one user)')
    .action(run(async (name: string | undefined, o) => (await import('./commands/admin.js')).adminKeyList(name, o)));
  adminStore(key.command('delete').argument('<access-key-id>'))
    .description("delete an access key (the first user's configured key cannot be deleted here)")
    .action(run(async (id: string, o) => (await import('./commands/admin.js')).adminKeyDelete(id, o)));

  const replication = program.command('replication').description('cross-region replication: the remote origins destination buckets live on (docs/replication.md#remotes)');
  const replicationStore = (c: Command): Command =>
    c.option('--data <dir>', 'the fs store (default ./data)').option('--store <spec>', 'the store: fs:DIR or s3:URL (as `bucketfront origin --store`)').option('--json', 'print JSON');
  replicationStore(replication.command('add-remote'))
    .description('declare (or replace) the origin of a region: where PutBucketReplication looks for destination buckets (the secret is stored, never printed)')
    .option('--region <region>', "the remote origin's region, e.g. eu-west-1")
    .option('--endpoint <url>', "the remote origin's S3 API, http(s)://host:port")
    .option('--access-key-id <id>', 'an access key of the remote origin allowed to write the destination buckets (default: $BUCKETFRONT_REMOTE_ACCESS_KEY_ID)')
    .option('--secret-access-key-stdin', 'read its secret from the first line of stdin (safest)')
    .option(
      '--secret-access-key <secret>',
      'its secret on the command line: visible to other users in ps and kept in shell history, prefer --secret-access-key-stdin or $BUCKETFRONT_REMOTE_SECRET_ACCESS_KEY',
    )
    .action(run(async (o) => (await import('./commands/replication.js')).replicationAddRemote(o)));
  replicationStore(replication.command('list-remotes'))
    .description('list the remotes: region, endpoint, access key id (never the secret)')
    .action(run(async (o) => (await import('./commands/replication.js')).replicationListRemotes(o)));
  replicationStore(replication.command('remove-remote').argument('<region>'))
    .description('forget the remote of a region')
    .action(run(async (region: string, o) => (await import('./commands/replication.js')).replicationRemoveRemote(region, o)));

  addAwsOptions(program.command('presign').argument('<s3url>'))
    .description('print a presigned GET URL, or with --post a presigned browser form upload as JSON {url, fields}')
    .option('--expires-in <seconds>', 'validity in seconds (max 604800)', '3600')
    .option('--post', 'a presigned POST (browser form upload) for the key, or for any key under a prefix ending in /')
    .option('--expires <seconds>', 'with --post: validity in seconds (default: --expires-in)')
    .option('--max-size <size>', 'with --post: largest file accepted (e.g. 10MB)')
    .option('--content-type-prefix <prefix>', 'with --post: the form must send a Content-Type starting with this (e.g. image/)')
    .action(run(async (target: string, o) => (await import('./commands/presign.js')).presignCommand(target, o)));

  addAwsOptions(program.command('invalidate').argument('<paths...>'))
    .description('create a CloudFront invalidation of paths and/or #cache-tags (against the edge control API with --endpoint-url)')
    .requiredOption('--distribution <id>', 'distribution id')
    .option('--wait', 'poll every 200 ms until the invalidation is Completed')
    .option('--wait-timeout <seconds>', 'give up waiting after this long', '600')
    .option('--json', 'print the invalidation as JSON')
    .action(run(async (paths: string[], o) => (await import('./commands/invalidate.js')).invalidateCommand(paths, o)));

  addOutputOptions(addTransferOptions(addAwsOptions(program.command('deploy').argument('<src>').argument('<dst>')), { sync: true }))
    .description('sync a directory to a bucket, then invalidate exactly the changed and deleted paths (or their cache tags)')
    .requiredOption('--distribution <id>', 'distribution id')
    .option('--edge-endpoint-url <url>', 'edge control API (CloudFront endpoint; default: AWS, or $AWS_ENDPOINT_URL_CLOUDFRONT)')
    .option('--origin-path <path>', 'the distribution serves s3://bucket/<path>/ at its root: strip it from invalidation paths')
    .option('--max-invalidation-paths <n>', 'above this many paths invalidate /* instead', '3000')
    .option(
      '--invalidate-tags',
      'invalidate the cache tags (#tag items) of the changed and deleted objects, from the --cache-tag rules, instead of their paths; untagged objects are still invalidated by path; needs a distribution whose CacheTagConfig.HeaderName is x-amz-meta-cache-tag (else paths)',
    )
    .option('--wait', 'wait until the invalidation is Completed')
    .action(run(async (src: string, dst: string, o) => (await import('./commands/deploy.js')).deployCommand(src, dst, o, rest)));

  program
    .command('origin')
    .description('run the S3 origin (REST API + website endpoints) until SIGINT/SIGTERM')
    .option('--port <port>', 'S3 API port', '9000')
    .option('--host <host>', 'listen address', '127.0.0.1')
    .option('--data <dir>', 'data directory (objects, metadata, credentials); the same as --store fs:DIR (default ./data)')
    .option(
      '--store <spec>',
      'where objects live: fs:DIR, or s3:http://HOST:PORT[?bucketPrefix=P] for an S3-compatible cluster (Ceph RGW, Garage, AWS S3) with its credentials in $BUCKETFRONT_STORE_ACCESS_KEY_ID/$BUCKETFRONT_STORE_SECRET_ACCESS_KEY or $BUCKETFRONT_STORE_CREDENTIALS_FILE; several origins over one cluster serve the same buckets (docs/scaling-out.md)',
    )
    .option('--bucket-revalidate <ms>', "how old cached bucket facts (ACL, policy, website configuration) may get before they are read again: the bound on seeing another node's change", '500')
    .option('--region <region>', 'region', 'us-east-1')
    .option('--website-port <port>', 'extra listener where every request is a website request')
    .option('--website-domain <domain>', 'website host suffix (BUCKET.s3-website-REGION.<domain>)', 'localhost')
    .option('--access-key-id <id>', 'credentials (default: $BUCKETFRONT_ACCESS_KEY_ID/$BUCKETFRONT_SECRET_ACCESS_KEY, else generated once into the store: the data dir, or the cluster for s3:)')
    .option('--secret-access-key <secret>', 'credentials secret')
    .option('--no-access-log', 'no JSON access log on stdout')
    .option('--spa-fallback', 'accept website routing rules with HttpRedirectCode 200 (SPA fallback, a bucketfront extension; AWS refuses them)')
    .option('--server-access-log-interval <ms>', 'how often S3 server access log records are delivered to their target buckets (docs/access-logs.md)', '30000')
    .option('--tls-cert <file>', 'serve HTTPS: certificate chain (PEM) for every listener; reloaded with the key on SIGHUP (docs/tls.md)')
    .option('--tls-key <file>', 'serve HTTPS: private key (PEM) of --tls-cert')
    .option('--website-tls-cert <file>', 'certificate chain (PEM) for the --website-port listener instead of --tls-cert')
    .option('--website-tls-key <file>', 'private key (PEM) of --website-tls-cert')
    .option('--config <file>', 'configuration file (YAML or JSON): the `notifications:` section declares event-notification destinations (docs/notifications.md)')
    .action(run(async (o) => (await import('./commands/servers.js')).originCommand(o)));

  program
    .command('edge')
    .description('run the caching edge (viewer + control API) until SIGINT/SIGTERM')
    .requiredOption('--config <file>', 'edge configuration file (JSON or YAML)')
    .option('--cache-dir <dir>', "disk cache and invalidation history (default: the config's cache.diskPath, else $XDG_CACHE_HOME/bucketfront/edge or ~/.cache/bucketfront/edge)")
    .option('--port <port>', 'viewer port', '8080')
    .option('--control-port <port>', 'control API port', '8081')
    .option('--host <host>', 'listen address', '127.0.0.1')
    .option('--workers <n>', 'worker processes')
    .option('--access-key-id <id>', 'control API credentials (default: $BUCKETFRONT_ACCESS_KEY_ID/$BUCKETFRONT_SECRET_ACCESS_KEY, as the origin; else generated and printed)')
    .option('--secret-access-key <secret>', 'control API credentials secret')
    .option('--tls-cert <file>', 'serve HTTPS on the viewer and control listeners: certificate chain (PEM) (docs/tls.md)')
    .option('--tls-port <port>', 'the HTTPS viewer port (HTTP/2 and HTTP/1.1) beside the plain --port, with --tls-cert', '8443')
    .option('--tls-key <file>', 'private key (PEM) of --tls-cert')
    .action(run(async (o) => (await import('./commands/servers.js')).edgeCommand(o)));

  program
    .command('function')
    .description('run functions (the Lambda analogue: S3 event → handler) from a YAML configuration until SIGINT/SIGTERM (docs/functions.md)')
    .requiredOption('--config <file>', 'functions.yaml: origin endpoint and credentials, functions[] { name, handler, trigger, … }')
    .action(run(async (o) => (await import('./commands/function.js')).functionCommand(o)));

  program
    .command('dev')
    .description('run origin (S3 API :9000, website :9001) + edge (:8080, control :8081) with a demo site until Ctrl-C (exit 0)')
    .option('--data <dir>', 'data directory (reused by the next start)', '.bucketfront')
    .option('--store <spec>', "the origin's objects: s3:http://HOST:PORT[?bucketPrefix=P] for an S3-compatible cluster (default fs:<data dir>/origin)")
    .option('--host <host>', 'listen address', '127.0.0.1')
    .option('--port <port>', 'S3 API port', '9000')
    .option('--website-port <port>', 'website port (custom domains: Host = bucket)', '9001')
    .option('--edge-port <port>', 'edge viewer port', '8080')
    .option('--control-port <port>', 'edge control API port', '8081')
    .option('--workers <n>', 'edge worker processes', '1')
    .option('--site <dir>', 'seed the demo bucket from this folder instead of examples/demo-site (only when the bucket is created or empty)')
    .option('--tls', 'serve HTTPS on every listener with a local CA made on first start under <data>/tls (prints how to trust it; docs/tls.md)')
    .option('--tls-cert <file>', 'serve HTTPS on every listener with this certificate chain (PEM) instead of the local CA; reloaded on SIGHUP')
    .option('--tls-key <file>', 'private key (PEM) of --tls-cert')
    .action(run(async (o) => (await import('./commands/dev.js')).devCommand(o)));

  return program;
}

/** Runs the CLI; resolves to the process exit code. */
export async function main(argv: readonly string[] = process.argv): Promise<number> {
  let exitCode = 0;
  const debug = argv.includes('--debug');
  const program = createProgram(argv, (code) => (exitCode = code));
  try {
    await program.parseAsync([...argv]);
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and --version "fail" with exit code 0; usage errors exit 2 (already printed).
      return err.exitCode === 0 ? 0 : 2;
    }
    if (debug) process.stderr.write(`${(err as Error)?.stack ?? String(err)}\n`);
    process.stderr.write(`bucketfront: ${describeError(err)}\n`);
    // Scripts reading --json always get one document.
    if (argv.includes('--json')) process.stdout.write(`${JSON.stringify({ ok: false, error: describeError(err) })}\n`);
    return err instanceof CliError ? err.exitCode : 1;
  }
}
