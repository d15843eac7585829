/**
 * Start-up warnings about viewer protocol policies (docs/tls.md#the-edge): without a TLS
 * listener, a behavior that is redirect-to-https or https-only cannot serve anyone over this edge.
 */
import type { EdgeConfig } from '../config/types.js';

export function viewerProtocolWarnings(config: Pick<EdgeConfig, 'distributions'>, hasTls: boolean): string[] {
  if (hasTls) return [];
  const out: string[] = [];
  for (const d of config.distributions) {
    const behaviors = [{ where: 'defaultCacheBehavior', b: d.defaultCacheBehavior }, ...d.cacheBehaviors.map((b, i) => ({ where: `cacheBehaviors[${i}] (${b.pathPattern})`, b }))];
    for (const { where, b } of behaviors) {
      const policy = b.viewerProtocolPolicy;
      if (policy === 'redirect-to-https' || policy === 'https-only') {
        out.push(
          `distribution ${d.id} ${where} is ${policy}, but this edge has no TLS listener (start it with a certificate: tls): ` +
            (policy === 'https-only' ? 'every request for it gets 403' : 'GET/HEAD requests are redirected to an https URL nothing here answers, others get 403'),
        );
      }
    }
  }
  return out;
}
