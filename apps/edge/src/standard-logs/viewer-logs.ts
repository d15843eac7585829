/**
 * Standard logs on the viewer side of one process: a request to a distribution with `logging`
 * is watched (capture.ts) and its record spooled (spool.ts) when its response is done.
 * docs/cloudfront-logs.md
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseRequestTarget } from '@bucketfront/http-basics';
import { defaultDomainName, type DistributionRouter } from '../distribution-router.js';
import { captureRequest } from './capture.js';
import { formatLogRecord } from './log-record.js';
import type { SpoolWriter } from './spool.js';

export type ViewerLogger = (req: IncomingMessage, res: ServerResponse) => void;

export function createViewerLogger(o: { pop: string; route: DistributionRouter; spool: SpoolWriter; now: () => number }): ViewerLogger {
  return (req, res) => {
    const target = parseRequestTarget(req.url);
    // The distribution the pipeline picks (viewer-pipeline.ts: the authority of an absolute-form target, else Host).
    const dist = o.route(target.authority ?? req.headers.host)?.config;
    const logging = dist?.logging;
    if (dist === undefined || logging === undefined) return;
    captureRequest(req, res, target, {
      pop: o.pop,
      distributionDomain: defaultDomainName(dist.id),
      includeCookies: logging.includeCookies,
      now: o.now,
      done: (facts) => o.spool.write({ distributionId: dist.id, bucket: logging.bucket, prefix: logging.prefix, record: formatLogRecord(facts) }),
    });
  };
}
