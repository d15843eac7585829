/**
 * The servers' TLS flags (`--tls-cert FILE --tls-key FILE`, per-listener overrides) and the
 * SIGHUP reload lines they print (docs/tls.md).
 */
import type { StartEdgeOptions } from '@bucketfront/edge';
import type { TlsFiles } from '@bucketfront/http-basics';
import type { TlsReloadEvent } from '@bucketfront/origin';
import { UsageError } from '../util/errors.js';

/** A certificate/key pair from two flags: both or neither. */
export function tlsFilesFrom(certFile: string | undefined, keyFile: string | undefined, flags: readonly [cert: string, key: string] = ['--tls-cert', '--tls-key']): TlsFiles | undefined {
  if (certFile === undefined && keyFile === undefined) return undefined;
  if (!certFile || !keyFile) throw new UsageError(`give both ${flags[0]} FILE and ${flags[1]} FILE`);
  return { certFile, keyFile };
}

/** TLS fields of the edge's start options: the viewer listener (`tls`) and the control API (`controlTls`). */
export type EdgeTlsOptions = Pick<StartEdgeOptions, 'tls' | 'controlTls'>;

/** One pair for both edge listeners (`edge --tls-cert/--tls-key`, `dev --tls`), spread into startEdge's options. */
export function edgeTlsOptions(files: TlsFiles | undefined): EdgeTlsOptions {
  if (!files) return {};
  const pair = { certFile: files.certFile, keyFile: files.keyFile };
  return { tls: pair, controlTls: pair };
}

/** The line a SIGHUP reload prints. */
export function describeTlsReload(event: TlsReloadEvent): string {
  const where = event.listeners.join(' and ');
  return event.ok
    ? `SIGHUP: reloaded TLS certificate ${event.files.certFile} for the ${where} listener${event.listeners.length > 1 ? 's' : ''} (new connections use it)`
    : `SIGHUP: TLS certificate reload failed for the ${where} listener${event.listeners.length > 1 ? 's' : ''}, keeping the current certificate: ${event.error.message}`;
}
