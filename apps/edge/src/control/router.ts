/**
 * Maps a control request to its CloudFront operation. Routes follow the
 * 2020-05-31 REST API; known operations bucketfront does not implement get a
 * NotImplemented error naming the operation.
 * https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_Operations_Amazon_CloudFront.html
 */
import type { ControlHandler } from './context.js';
import { errors, type ControlError } from './errors.js';
import { CreateDistribution } from './handlers/CreateDistribution.js';
import { CreateInvalidation } from './handlers/CreateInvalidation.js';
import { DeleteDistribution } from './handlers/DeleteDistribution.js';
import { ListTagsForResource } from './handlers/ListTagsForResource.js';
import { TagResource } from './handlers/TagResource.js';
import { UpdateDistribution } from './handlers/UpdateDistribution.js';
import { GetDistribution } from './handlers/GetDistribution.js';
import { GetDistributionConfig } from './handlers/GetDistributionConfig.js';
import { GetInvalidation } from './handlers/GetInvalidation.js';
import { ListDistributions } from './handlers/ListDistributions.js';
import { ListInvalidations } from './handlers/ListInvalidations.js';
import { CreateFunction } from './handlers/CreateFunction.js';
import { DeleteFunction } from './handlers/DeleteFunction.js';
import { DescribeFunction } from './handlers/DescribeFunction.js';
import { GetFunction } from './handlers/GetFunction.js';
import { ListFunctions } from './handlers/ListFunctions.js';
import { PublishFunction } from './handlers/PublishFunction.js';
import { TestFunction } from './handlers/TestFunction.js';
import { UpdateFunction } from './handlers/UpdateFunction.js';
import { CreateKeyValueStore } from './handlers/CreateKeyValueStore.js';
import { DeleteKeyValueStore } from './handlers/DeleteKeyValueStore.js';
import { DescribeKeyValueStore } from './handlers/DescribeKeyValueStore.js';
import { ListKeyValueStores } from './handlers/ListKeyValueStores.js';
import { UpdateKeyValueStore } from './handlers/UpdateKeyValueStore.js';

export const API_PREFIX = '/2020-05-31';

export type Route = { kind: 'operation'; operation: string; handler: ControlHandler; params: Record<string, string> } | { kind: 'error'; error: ControlError };

interface Operation {
  operation: string;
  handler: ControlHandler;
}

interface RouteDef {
  pattern: string[];
  methods: Record<string, string | Operation>;
}

/** A collection's two routes: `/<kind>` (GET list, POST create) and `/<kind>/:name` (GET, PUT, DELETE). */
function collectionRoutes(kind: string, ops: { list: Operation; create: Operation; get: Operation; update: Operation; remove: Operation }): RouteDef[] {
  return [
    { pattern: [kind], methods: { GET: ops.list, POST: ops.create } },
    { pattern: [kind, ':name'], methods: { GET: ops.get, PUT: ops.update, DELETE: ops.remove } },
  ];
}

const ROUTES: RouteDef[] = [
  {
    pattern: ['distribution'],
    // POST ?WithTags is CreateDistributionWithTags (the handler reads the query).
    methods: { GET: { operation: 'ListDistributions', handler: ListDistributions }, POST: { operation: 'CreateDistribution', handler: CreateDistribution } },
  },
  {
    pattern: ['distribution', ':distributionId'],
    methods: { GET: { operation: 'GetDistribution', handler: GetDistribution }, DELETE: { operation: 'DeleteDistribution', handler: DeleteDistribution } },
  },
  {
    pattern: ['distribution', ':distributionId', 'config'],
    methods: { GET: { operation: 'GetDistributionConfig', handler: GetDistributionConfig }, PUT: { operation: 'UpdateDistribution', handler: UpdateDistribution } },
  },
  // Tags: https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_TagResource.html (POST ?Operation=Tag|Untag).
  {
    pattern: ['tagging'],
    methods: { GET: { operation: 'ListTagsForResource', handler: ListTagsForResource }, POST: { operation: 'TagResource', handler: TagResource } },
  },
  {
    pattern: ['distribution', ':distributionId', 'invalidation'],
    methods: {
      POST: { operation: 'CreateInvalidation', handler: CreateInvalidation },
      GET: { operation: 'ListInvalidations', handler: ListInvalidations },
    },
  },
  {
    pattern: ['distribution', ':distributionId', 'invalidation', ':invalidationId'],
    methods: { GET: { operation: 'GetInvalidation', handler: GetInvalidation } },
  },
  // CloudFront Functions: https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_CreateFunction.html and siblings.
  ...collectionRoutes('function', {
    list: { operation: 'ListFunctions', handler: ListFunctions },
    create: { operation: 'CreateFunction', handler: CreateFunction },
    get: { operation: 'GetFunction', handler: GetFunction },
    update: { operation: 'UpdateFunction', handler: UpdateFunction },
    remove: { operation: 'DeleteFunction', handler: DeleteFunction },
  }),
  { pattern: ['function', ':name', 'describe'], methods: { GET: { operation: 'DescribeFunction', handler: DescribeFunction } } },
  { pattern: ['function', ':name', 'publish'], methods: { POST: { operation: 'PublishFunction', handler: PublishFunction } } },
  { pattern: ['function', ':name', 'test'], methods: { POST: { operation: 'TestFunction', handler: TestFunction } } },
  // Key value stores: https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_CreateKeyValueStore.html and siblings.
  ...collectionRoutes('key-value-store', {
    list: { operation: 'ListKeyValueStores', handler: ListKeyValueStores },
    create: { operation: 'CreateKeyValueStore', handler: CreateKeyValueStore },
    get: { operation: 'DescribeKeyValueStore', handler: DescribeKeyValueStore },
    update: { operation: 'UpdateKeyValueStore', handler: UpdateKeyValueStore },
    remove: { operation: 'DeleteKeyValueStore', handler: DeleteKeyValueStore },
  }),
];

function match(pattern: string[], segments: string[]): Record<string, string> | null {
  if (pattern.length !== segments.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i]!;
    const s = segments[i]!;
    if (p.startsWith(':')) params[p.slice(1)] = s;
    else if (p !== s) return null;
  }
  return params;
}

/** `rawPath` is still percent-encoded; it must start with API_PREFIX. */
export function route(method: string, rawPath: string): Route {
  const rest = rawPath.slice(API_PREFIX.length).replace(/^\/+/, '').replace(/\/+$/, '');
  let segments: string[];
  try {
    segments = rest === '' ? [] : rest.split('/').map((s) => decodeURIComponent(s));
  } catch {
    return { kind: 'error', error: errors.invalidArgument('The request path is not valid percent-encoding.') };
  }
  // No CloudFront resource path has dot segments (RFC 3986 §3.3) or empty ones: refuse them
  // instead of letting them read as some other, unimplemented resource.
  if (segments.some((s) => s === '.' || s === '..' || s === '' || s.includes('/'))) {
    return { kind: 'error', error: errors.invalidArgument('The request path is not valid.') };
  }
  for (const def of ROUTES) {
    const params = match(def.pattern, segments);
    if (!params) continue;
    const target = def.methods[method];
    if (target === undefined) return { kind: 'error', error: errors.methodNotAllowed(method) };
    if (typeof target === 'string') return { kind: 'error', error: errors.notImplemented(target) };
    return { kind: 'operation', operation: target.operation, handler: target.handler, params };
  }
  const resource = segments[0] ?? '';
  return { kind: 'error', error: errors.notImplemented(`${method} ${API_PREFIX}/${resource}${segments.length > 1 ? '/…' : ''}`) };
}
