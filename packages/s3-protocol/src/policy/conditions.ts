/**
 * Policy Condition evaluation: the operators the IAM reference defines
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html)
 * over the request context keys the caller supplies (lower-cased names, e.g. `aws:sourceip`,
 * `s3:prefix`, `s3:x-amz-acl`; https://docs.aws.amazon.com/AmazonS3/latest/userguide/amazon-s3-policy-keys.html).
 *
 * A key absent from the request: the condition is false, except for the negated operators
 * (`StringNotEquals`, `NotIpAddress`, …), `Null`, and any `…IfExists` operator, which hold.
 * An operator we do not know answers `undefined` (the caller decides how to fail closed).
 */
import { BlockList, isIP } from 'node:net';
import type { PolicyCondition } from './types.js';
import { matchesWildcard } from './wildcard.js';

/** Request context: key (lower case) → its value(s); absent keys are undefined. */
export type ConditionContext = Readonly<Record<string, string | readonly string[] | undefined>>;

type Test = (actual: string, expected: string) => boolean;

const num = (s: string): number => (s.trim() === '' ? NaN : Number(s));
const date = (s: string): number => (/^\d+$/.test(s) ? Number(s) * 1000 : Date.parse(s));

/** Positive operators; each `Not…` twin is its negation (evaluated over all values). */
const TESTS: Record<string, Test> = {
  stringequals: (a, e) => a === e,
  stringequalsignorecase: (a, e) => a.toLowerCase() === e.toLowerCase(),
  stringlike: (a, e) => matchesWildcard(e, a),
  numericequals: (a, e) => num(a) === num(e),
  numericlessthan: (a, e) => num(a) < num(e),
  numericlessthanequals: (a, e) => num(a) <= num(e),
  numericgreaterthan: (a, e) => num(a) > num(e),
  numericgreaterthanequals: (a, e) => num(a) >= num(e),
  dateequals: (a, e) => date(a) === date(e),
  datelessthan: (a, e) => date(a) < date(e),
  datelessthanequals: (a, e) => date(a) <= date(e),
  dategreaterthan: (a, e) => date(a) > date(e),
  dategreaterthanequals: (a, e) => date(a) >= date(e),
  bool: (a, e) => a.toLowerCase() === e.toLowerCase(),
  ipaddress: (a, e) => inCidr(a, e),
  arnequals: (a, e) => matchesWildcard(e, a),
  arnlike: (a, e) => matchesWildcard(e, a),
  binaryequals: (a, e) => a === e,
};
const NEGATED: Record<string, string> = {
  stringnotequals: 'stringequals',
  stringnotequalsignorecase: 'stringequalsignorecase',
  stringnotlike: 'stringlike',
  numericnotequals: 'numericequals',
  datenotequals: 'dateequals',
  notipaddress: 'ipaddress',
  arnnotequals: 'arnequals',
  arnnotlike: 'arnlike',
};

function inCidr(address: string, cidr: string): boolean {
  const [net, bits] = cidr.split('/', 2);
  const family = isIP(address);
  if (net === undefined || family === 0 || isIP(net) !== family) return false;
  const type = family === 4 ? 'ipv4' : 'ipv6';
  const list = new BlockList();
  list.addSubnet(net, bits === undefined ? (family === 4 ? 32 : 128) : Number(bits), type);
  return list.check(address, type);
}

/** Does one condition hold? undefined: an operator we do not implement. */
export function conditionHolds(c: PolicyCondition, context: ConditionContext): boolean | undefined {
  let op = c.operator.toLowerCase();
  let setMode: 'any' | 'all' | null = null;
  if (op.startsWith('foranyvalue:')) [setMode, op] = ['any', op.slice('foranyvalue:'.length)];
  else if (op.startsWith('forallvalues:')) [setMode, op] = ['all', op.slice('forallvalues:'.length)];
  const ifExists = op.endsWith('ifexists');
  if (ifExists) op = op.slice(0, -'ifexists'.length);
  const raw = context[c.key];
  const actual = raw === undefined ? [] : typeof raw === 'string' ? [raw] : [...raw];
  if (op === 'null') {
    // "Null": "true" holds when the key is absent.
    const absent = actual.length === 0;
    return c.values.some((v) => (v.toLowerCase() === 'true') === absent);
  }
  const negatedOf = NEGATED[op];
  const test = TESTS[negatedOf ?? op];
  if (test === undefined) return undefined;
  if (actual.length === 0) return ifExists || negatedOf !== undefined || setMode === 'all';
  const matchesOne = (a: string): boolean => c.values.some((e) => test(a, e));
  if (negatedOf !== undefined) return setMode === 'any' ? actual.some((a) => !matchesOne(a)) : actual.every((a) => !matchesOne(a));
  return setMode === 'all' ? actual.every(matchesOne) : actual.some(matchesOne);
}

/** All conditions hold: true; one fails: false; one unknown and none failing: undefined. */
export function conditionsHold(conditions: readonly PolicyCondition[] | undefined, context: ConditionContext): boolean | undefined {
  let unknown = false;
  for (const c of conditions ?? []) {
    const r = conditionHolds(c, context);
    if (r === false) return false;
    if (r === undefined) unknown = true;
  }
  return unknown ? undefined : true;
}
