/**
 * The viewer-response function of a request, run where the response's status and headers are
 * final, just before they are written (viewer/respond.ts, viewer/pass-through.ts).
 *
 * CloudFront does not run viewer-response functions when the origin returned 400 or higher
 * ("Restrictions on all edge functions",
 * https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/edge-functions-restrictions.html#edge-function-restrictions-all)
 * nor for a response a viewer-request function generated (that request never gets a job here).
 */
import type { ServerResponse } from 'node:http';
import type { ViewerResponse } from './event.js';

/** The response as the function leaves it; `errorBody`: the function failed, send this page instead of the body. */
export interface ViewerResponseOutcome extends ViewerResponse {
  errorBody?: Buffer;
}

export type ViewerResponseJob = (r: ViewerResponse) => ViewerResponseOutcome;

const jobs = new WeakMap<ServerResponse, ViewerResponseJob>();

export function runOnViewerResponse(res: ServerResponse, job: ViewerResponseJob): void {
  jobs.set(res, job);
}

/** Status and headers after the request's viewer-response function (unchanged without one, or for status ≥ 400). */
export function viewerResponseOf(res: ServerResponse, status: number, headers: string[]): ViewerResponseOutcome {
  const job = jobs.get(res);
  if (job === undefined) return { status, headers };
  jobs.delete(res);
  if (status >= 400) return { status, headers };
  return job({ status, headers });
}
