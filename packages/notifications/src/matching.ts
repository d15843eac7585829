/**
 * Which configurations of a bucket an event goes to: the configuration names the event (exactly or
 * with a `*` wildcard such as `s3:ObjectCreated:*`) and the object key (decoded) starts with its
 * prefix and ends with its suffix.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-how-to-filtering.html
 */
import type { S3EventName } from './types.js';

/** The parts of a configuration (a NotificationConfiguration's Queue/Topic/CloudFunctionConfiguration) matching needs. */
export interface NotificationRuleLike {
  id: string;
  arn: string;
  /** With the `s3:` prefix, as configured. */
  events: readonly string[];
  prefix?: string;
  suffix?: string;
}

export function eventMatches(configured: readonly string[], eventName: S3EventName): boolean {
  const name = `s3:${eventName}`;
  return configured.some((e) => e === name || (e.endsWith(':*') && name.startsWith(e.slice(0, -1))));
}

export function ruleMatches(rule: NotificationRuleLike, eventName: S3EventName, key: string): boolean {
  if (!eventMatches(rule.events, eventName)) return false;
  if (rule.prefix !== undefined && !key.startsWith(rule.prefix)) return false;
  if (rule.suffix !== undefined && !key.endsWith(rule.suffix)) return false;
  return true;
}

export function matchingRules<R extends NotificationRuleLike>(rules: readonly R[], eventName: S3EventName, key: string): R[] {
  return rules.filter((r) => ruleMatches(r, eventName, key));
}
