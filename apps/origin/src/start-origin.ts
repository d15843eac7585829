/** startOrigin: the store, the API listener and the optional website listener. */
import { createServer, type Server } from 'node:http';
import { createServer as createHttpsServer, Server as HttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import { closeServer, hasRepeatedHost, listen, loadTlsMaterial, reloadTlsOnSighup, type ReloadableTlsServer, type TlsFiles, type TlsMaterial } from '@bucketfront/http-basics';
import { openStore, parseStoreSpec, type StoreSpec } from '@bucketfront/object-store';
import { S3Error } from '@bucketfront/s3-protocol';
import type { AccessLogSink } from './http/access-log.js';
import { nextRequestId } from './http/request-id.js';
import { createOriginHandler, type OriginHandler } from './origin-handler.js';
import { canonicalOwnerId } from './users/directory.js';
import { openLiveUserDirectory, type LiveUserDirectory } from './users/live-directory.js';
import { UserStore } from './users/user-store.js';
import type { MinBodyRate } from './s3/context.js';
import { resolveCredentials, type OriginCredentials } from './credentials.js';
import { OriginMetrics } from './http/metrics.js';
import { nodeIdOf, startNotifications, type NotificationsOptions, type RunningNotifications } from './notifications/start-notifications.js';
import { ServerAccessLog } from './access-logging/server-access-log.js';
import { startReplication, type ReplicationOptions, type RunningReplication } from './replication/start-replication.js';

export interface StartOriginOptions {
  /**
   * Where objects live: `fs:PATH` or `s3:http://HOST:PORT?bucketPrefix=…`
   * (@bucketfront/object-store open-store.ts), or a parsed spec.
   */
  store?: string | StoreSpec;
  /** The s3 store's backend credentials; default $BUCKETFRONT_STORE_ACCESS_KEY_ID/… (open-store.ts). */
  storeCredentials?: { accessKeyId: string; secretAccessKey: string };
  /** Its radosgw system user's keys, for replica writes (s3-store/replica-writes.ts); default: from the environment. */
  storeSystemCredentials?: { accessKeyId: string; secretAccessKey: string };
  /** Shorthand for `store: 'fs:' + dataDir` (the embedded default). */
  dataDir?: string;
  /** Master key file for encryption at rest (default: env BUCKETFRONT_MASTER_KEY_FILE, or for an fs store `<dataDir>/keys/master.key`). */
  masterKeyFile?: string;
  /** Create `masterKeyFile` (mode 0600, one fresh key) when it does not exist. */
  createMasterKey?: boolean;
  /** Age after which bucket facts are read from the store again (other nodes' changes). Default 500 ms. */
  bucketRevalidateMs?: number;
  port?: number;
  host?: string;
  /** Default us-east-1. */
  region?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /**
   * More users beside `credentials` (the first user) and the persisted ones (`bucketfront admin
   * user …`, docs/users.md), each with one key, kept in memory only (for tests).
   */
  extraUsers?: ReadonlyArray<{ accessKeyId: string; secretAccessKey: string; displayName?: string; email?: string }>;
  /** Default 'localhost'. */
  websiteDomain?: string;
  /** Optional listener where every request is a website request. */
  websitePort?: number;
  /** Default: JSON lines on stdout. */
  accessLog?: false | AccessLogSink;
  /** Accept bucketfront's SPA-fallback website rules (HttpRedirectCode 200). Default off. */
  spaFallback?: boolean;
  /**
   * Slowest request body accepted: at least `bytes` in every `windowMs`, else 400 RequestTimeout
   * and nothing stored. Default 8 KiB per 20 s.
   */
  minBodyRate?: MinBodyRate;
  /**
   * Serve the S3 API listener over HTTPS with this certificate chain and key (PEM files; read at
   * start, re-read by `RunningOrigin.reloadTlsOnSighup`). Default: plain HTTP. See docs/tls.md.
   */
  tls?: TlsFiles;
  /** TLS for the website listener (`websitePort`): default the same as `tls`; `false` keeps it plain HTTP. */
  websiteTls?: TlsFiles | false;
  /**
   * An extra plain-HTTP listener on 127.0.0.1 answering exactly like the API listener (S3 API and
   * virtual-host website endpoints), for a co-located edge when the public listeners serve a
   * certificate from a private CA the edge does not trust (`bucketfront dev --tls`; docs/tls.md#plain).
   */
  loopbackPort?: number;
  /**
   * S3 event notifications (docs/notifications.md): the destinations a bucket's
   * NotificationConfiguration may name, this node's outbox partition and the delivery policy.
   * Without it, PutBucketNotificationConfiguration accepts only `x-amz-skip-destination-validation`
   * and no event is recorded.
   */
  notifications?: NotificationsOptions;
  /**
   * S3 server access logging (docs/access-logs.md): always on for buckets with a
   * BucketLoggingStatus; this tunes the spool (`nodeId`, default the notifications node id or the
   * host name) and delivery. `false` turns the feature off (PutBucketLogging still stores).
   */
  serverAccessLogs?: false | { nodeId?: string; flushIntervalMs?: number; maxRecordsPerObject?: number };
  /** Cross-region replication's engine tuning (docs/replication.md#the-queue): backoff, parallelism, node id. */
  replication?: ReplicationOptions;
}

/** What `RunningOrigin.reloadTlsOnSighup` reports, once per certificate pair and SIGHUP. */
export type TlsReloadEvent = { ok: true; files: TlsFiles; listeners: string[] } | { ok: false; files: TlsFiles; listeners: string[]; error: Error };

export interface RunningOrigin {
  /** `https://…` when the API listener serves TLS. */
  url: string;
  port: number;
  /** The API listener serves HTTPS. */
  tls: boolean;
  websiteUrl?: string;
  websitePort?: number;
  /** The website listener serves HTTPS (set when there is one). */
  websiteTls?: boolean;
  /** The plain-HTTP loopback listener (`loopbackPort`), when asked for. */
  loopbackUrl?: string;
  /**
   * Re-reads each listener's certificate and key on SIGHUP (new handshakes get the new pair,
   * established connections keep theirs; a pair that fails to load leaves the old one in place and
   * is reported). The process that runs the origin calls it; returns the function that stops it.
   * A no-op without TLS listeners.
   */
  reloadTlsOnSighup(onEvent: (event: TlsReloadEvent) => void): () => void;
  credentials: OriginCredentials;
  /** Event notifications, when configured: the destination ARNs and this node's outbox partition. */
  notifications?: { destinations: string[]; partition: string };
  /** Where the data lives, for logs (never a secret). */
  storeDescription: string;
  /** Where the master key for encryption at rest comes from (null: SSE requests are refused). */
  masterKeyFile: string | null;
  close(): Promise<void>;
}

/**
 * The answer to a request node's HTTP parser refused (no request object exists):
 * S3's error document, with S3's codes — oversized headers are
 * RequestHeaderSectionTooLarge (400), a stalled header block RequestTimeout (400),
 * anything else (conflicting Content-Length / Transfer-Encoding, garbage) InvalidRequest.
 */
export function clientErrorResponse(parserCode: string | undefined, hostId: string): { text: string; status: number; code: string; requestId: string } {
  const err =
    parserCode === 'HPE_HEADER_OVERFLOW'
      ? new S3Error('RequestHeaderSectionTooLarge', undefined, { MaxSizeAllowed: '8192' })
      : parserCode === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? new S3Error('RequestTimeout')
        : new S3Error('InvalidRequest', 'The HTTP request could not be parsed.');
  const requestId = nextRequestId();
  const body = err.renderXml(requestId, hostId);
  const text =
    `HTTP/1.1 ${err.status} Bad Request\r\nContent-Type: application/xml\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
    `x-amz-request-id: ${requestId}\r\nx-amz-id-2: ${hostId}\r\nConnection: close\r\n\r\n${body}`;
  return { text, status: err.status, code: err.code, requestId };
}

/**
 * RFC 9112 §3.2: a request with more than one Host field line gets 400, so
 * that no component can pick a different Host (bucket) than another.
 */
function refuseRepeatedHost(listener: NonNullable<Parameters<typeof createServer>[1]>, hostId: string): NonNullable<Parameters<typeof createServer>[1]> {
  return (req, res) => {
    if (!hasRepeatedHost(req.rawHeaders)) return listener(req, res);
    const requestId = nextRequestId();
    const body = new S3Error('InvalidRequest', 'A request may carry only one Host header.').renderXml(requestId, hostId);
    res.writeHead(400, { 'Content-Type': 'application/xml', 'Content-Length': Buffer.byteLength(body), 'x-amz-request-id': requestId, 'x-amz-id-2': hostId, Connection: 'close' });
    res.end(body);
  };
}

/** Node's HTTP limits: slowloris and oversized-header protection, over TLS when `tls` is given. */
function hardenedServer(listener: NonNullable<Parameters<typeof createServer>[1]>, handler: OriginHandler, tls?: TlsMaterial): Server | HttpsServer {
  const { hostId } = handler;
  const options = {
    // Over 8 KiB of headers (URL included): refused by the parser, answered by clientErrorResponse.
    maxHeaderSize: 8 * 1024,
    // A whole request, body included: generous, since a 5 GiB PUT on a slow link is legitimate.
    requestTimeout: 60 * 60_000,
    // Slowloris: the header block must arrive within 20 s.
    headersTimeout: 20_000,
    keepAliveTimeout: 5_000,
    connectionsCheckingInterval: 5_000,
    // Conflicting Content-Length / Transfer-Encoding stay rejected (llhttp default, never lenient).
    insecureHTTPParser: false,
  };
  const requestListener = refuseRepeatedHost(listener, hostId);
  // https.Server is a tls.Server running the same HTTP machinery, so every limit above applies.
  // Like the header block, a TLS handshake must be done within 20 s (tls.Server's default is 120 s).
  const server = tls ? createHttpsServer({ ...options, cert: tls.cert, key: tls.key, handshakeTimeout: 20_000 }, requestListener) : createServer(options, requestListener);
  // On an HTTPS listener `clientError` also reports failed TLS handshakes (a plain-HTTP client,
  // an unknown CA, garbage): nothing readable can be written to such a socket, so it is only
  // destroyed. A socket whose handshake completed ('secureConnection') gets the HTTP answer below.
  const handshaken = new WeakSet<Socket>();
  if (tls) server.on('secureConnection', (socket: Socket) => handshaken.add(socket));
  // A connection idle (no bytes either way) for 2 minutes is closed: slow-drip bodies.
  server.setTimeout(120_000);
  // Expect: 100-continue is answered by the body reader once the request is authorized.
  server.on('checkContinue', (req, res) => server.emit('request', req, res));
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    if (!socket.writable || (tls && !handshaken.has(socket as Socket))) {
      socket.destroy();
      return;
    }
    const answer = clientErrorResponse(err.code, hostId);
    socket.end(answer.text);
    // One access-log line for requests the parser refused too.
    handler.logRejected({ requestId: answer.requestId, remote: (socket as Socket).remoteAddress, status: answer.status, operation: answer.code, bytesOut: Buffer.byteLength(answer.text) });
  });
  return server;
}

export async function startOrigin(opts: StartOriginOptions): Promise<RunningOrigin> {
  const host = opts.host ?? '127.0.0.1';
  const spec = storeSpecOf(opts);
  const metrics = new OriginMetrics();
  const opened = await openStore(spec, {
    observe: (operation, outcome, ms) => metrics.recordStoreCall(operation, outcome, ms),
    ...(opts.bucketRevalidateMs !== undefined ? { revalidateMs: opts.bucketRevalidateMs } : {}),
    ...(opts.storeCredentials !== undefined ? { credentials: opts.storeCredentials } : {}),
    ...(opts.storeSystemCredentials !== undefined ? { systemCredentials: opts.storeSystemCredentials } : {}),
    ...(opts.masterKeyFile !== undefined ? { masterKeyFile: opts.masterKeyFile } : {}),
    ...(opts.createMasterKey === true ? { createMasterKey: true } : {}),
    region: opts.region ?? 'us-east-1',
  });
  const store = opened.store;
  let credentials: OriginCredentials;
  let users: LiveUserDirectory;
  try {
    credentials = await resolveCredentials(opened.system, opts.credentials);
    users = await openLiveUserDirectory(await UserStore.open(opened.system, opened.keys), credentials, opts.extraUsers ?? []);
  } catch (err) {
    await store.close();
    throw err;
  }
  let notifications: RunningNotifications | undefined;
  if (opts.notifications !== undefined) {
    try {
      notifications = await startNotifications(opts.notifications, { store, outbox: opened.outbox, region: opts.region ?? 'us-east-1', ownerId: canonicalOwnerId(credentials.accessKeyId), metrics });
    } catch (err) {
      users.close();
      await store.close();
      throw err;
    }
  }
  let replication: RunningReplication;
  try {
    replication = await startReplication(
      {
        system: opened.system,
        keys: opened.keys,
        store,
        outbox: opened.outbox,
        statusStore: opened.versionUpdates,
        nodeId: nodeIdOf(opts.replication?.nodeId ?? opts.notifications?.nodeId),
        metrics,
        // The s3 store's ListObjectVersions carries no user metadata: the scans look versions up.
        listsVersionMetadata: spec.driver === 'fs',
      },
      opts.replication ?? {},
    );
  } catch (err) {
    await notifications?.close();
    users.close();
    await store.close();
    throw err;
  }
  let serverAccessLog: ServerAccessLog | undefined;
  if (opts.serverAccessLogs !== false) {
    const s = opts.serverAccessLogs ?? {};
    serverAccessLog = new ServerAccessLog({
      store,
      outbox: opened.outbox,
      nodeId: nodeIdOf(s.nodeId ?? opts.notifications?.nodeId),
      region: opts.region ?? 'us-east-1',
      firstUser: users.firstUser,
      ...(s.flushIntervalMs !== undefined ? { flushIntervalMs: s.flushIntervalMs } : {}),
      ...(s.maxRecordsPerObject !== undefined ? { maxRecordsPerObject: s.maxRecordsPerObject } : {}),
    });
    metrics.addSection((w) => serverAccessLog!.renderMetrics(w));
    serverAccessLog.start();
  }
  const handler = createOriginHandler({
    ...(notifications !== undefined ? { notifier: notifications.notifier } : {}),
    ...(serverAccessLog !== undefined ? { serverAccessLog } : {}),
    replication: replication.service,
    store,
    metrics,
    credentials,
    users,
    region: opts.region ?? 'us-east-1',
    websiteDomain: opts.websiteDomain ?? 'localhost',
    ...(opts.accessLog !== undefined ? { accessLog: opts.accessLog } : {}),
    spaFallback: opts.spaFallback === true,
    ...(opts.minBodyRate !== undefined ? { minBodyRate: opts.minBodyRate } : {}),
  });
  const servers: Array<Server | HttpsServer> = [];
  try {
    // Read before anything listens: a missing or mismatched file fails the start, naming the file.
    const apiTls = opts.tls;
    const websiteTls = opts.websiteTls === false ? undefined : (opts.websiteTls ?? opts.tls);
    const apiMaterial = apiTls ? loadTlsMaterial(apiTls) : undefined;
    const websiteMaterial = opts.websitePort !== undefined && websiteTls ? loadTlsMaterial(websiteTls) : undefined;
    const reloadable: Array<{ name: string; server: ReloadableTlsServer; files: TlsFiles }> = [];
    const urlHost = host.includes(':') ? `[${host}]` : host;

    const api = hardenedServer(handler, handler, apiMaterial);
    servers.push(api);
    const port = await listen(api, opts.port ?? 0, host);
    if (apiTls && api instanceof HttpsServer) reloadable.push({ name: 'S3 API', server: api, files: apiTls });
    const running: RunningOrigin = {
      url: `${apiTls ? 'https' : 'http'}://${urlHost}:${port}`,
      port,
      tls: apiTls !== undefined,
      credentials,
      storeDescription: opened.description,
      masterKeyFile: opened.masterKeyFile,
      close: async () => {},
      reloadTlsOnSighup: (onEvent) => reloadGroups(reloadable, onEvent),
    };
    if (notifications !== undefined) running.notifications = { destinations: [...notifications.notifier.destinations], partition: notifications.partition };
    if (opts.websitePort !== undefined) {
      const web = hardenedServer(handler.website, handler, websiteMaterial);
      servers.push(web);
      const websitePort = await listen(web, opts.websitePort, host);
      if (websiteTls && web instanceof HttpsServer) reloadable.push({ name: 'website', server: web, files: websiteTls });
      running.websitePort = websitePort;
      running.websiteTls = websiteTls !== undefined;
      running.websiteUrl = `${websiteTls ? 'https' : 'http'}://${urlHost}:${websitePort}`;
    }
    if (opts.loopbackPort !== undefined) {
      const loopback = hardenedServer(handler, handler);
      servers.push(loopback);
      running.loopbackUrl = `http://127.0.0.1:${await listen(loopback, opts.loopbackPort, '127.0.0.1')}`;
    }
    let closing: Promise<void> | undefined;
    running.close = () => {
      closing ??= (async () => {
        await Promise.all(servers.map((s) => closeServer(s, 1000)));
        // After the listeners: every acknowledged write's records are in the outbox by now.
        await notifications?.close();
        await serverAccessLog?.close();
        await replication.close();
        users.close();
        await store.close();
      })();
      return closing;
    };
    return running;
  } catch (err) {
    await Promise.all(servers.map((s) => (s.listening ? closeServer(s, 1000) : Promise.resolve())));
    await notifications?.close();
    await serverAccessLog?.close();
    await replication.close();
    users.close();
    await store.close();
    throw err;
  }
}

/** One SIGHUP reload per certificate pair (the API and website listeners often share one). */
function reloadGroups(listeners: ReadonlyArray<{ name: string; server: ReloadableTlsServer; files: TlsFiles }>, onEvent: (event: TlsReloadEvent) => void): () => void {
  const groups = new Map<string, { files: TlsFiles; servers: ReloadableTlsServer[]; names: string[] }>();
  for (const l of listeners) {
    const key = `${l.files.certFile}\0${l.files.keyFile}`;
    const group = groups.get(key) ?? groups.set(key, { files: l.files, servers: [], names: [] }).get(key)!;
    group.servers.push(l.server);
    group.names.push(l.name);
  }
  const stops = [...groups.values()].map((g) =>
    reloadTlsOnSighup(g.servers, g.files, (e) => onEvent(e.ok ? { ok: true, files: g.files, listeners: g.names } : { ok: false, files: g.files, listeners: g.names, error: e.error })),
  );
  return () => {
    for (const stop of stops) stop();
  };
}

function storeSpecOf(opts: StartOriginOptions): StoreSpec {
  if (opts.store !== undefined && opts.dataDir !== undefined) throw new TypeError('startOrigin: give store or dataDir, not both');
  if (opts.store !== undefined) return typeof opts.store === 'string' ? parseStoreSpec(opts.store) : opts.store;
  if (opts.dataDir !== undefined) return { driver: 'fs', dataDir: opts.dataDir };
  throw new TypeError('startOrigin: give store (fs:PATH or s3:URL) or dataDir');
}
