/** Child-process entry of edge-process.ts: start the edge, print its port, stop on SIGTERM. */
import { startEdge } from '@bucketfront/edge';

const edge = await startEdge({
  config: JSON.parse(process.env['EDGE_PROCESS_CONFIG']!) as Record<string, unknown>,
  workers: Number(process.env['EDGE_PROCESS_WORKERS'] ?? '1'),
  port: 0,
  host: '127.0.0.1',
});
process.stdout.write(JSON.stringify({ port: edge.port }) + '\n');
process.once('SIGTERM', () => {
  void edge.close().finally(() => process.exit(0));
});
