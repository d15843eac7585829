/**
 * Checks a function sent to CreateFunction / UpdateFunction the way CloudFront does before
 * storing it: the runtime, at most one key value store (one this edge's configuration has),
 * the size (10 KB, FunctionSizeLimitExceeded 413) and the code (InvalidArgument), by compiling
 * it in the same sandbox the edge runs (@bucketfront/cf-functions).
 * https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_CreateFunction.html#API_CreateFunction_Errors
 */
import { compileFunction, type CloudFrontFunction } from '@bucketfront/cf-functions';
import type { KvsDb } from '../kvs/kvs-db.js';
import type { EdgeConfig } from './runtime-types.js';
import { errors } from './errors.js';
import type { FunctionDefinition } from './function-request.js';
import type { StageContent, StoredStage } from './function-store.js';

const storeNameOf = (association: string): string => association.slice(association.lastIndexOf('/') + 1);

/** Compiles `code` as `name`; the caller disposes the function. Throws CloudFront's errors. */
export interface CompileContext {
  config: EdgeConfig;
  /** Stores created through the API (CreateKeyValueStore): associated by ARN (or id). */
  kvs: KvsDb;
}

export async function compileForApi(ctx: CompileContext, name: string, s: Pick<StoredStage, 'code' | 'runtime' | 'comment' | 'kvsAssociations'>): Promise<CloudFrontFunction> {
  const stores = new Set((ctx.config.keyValueStores ?? []).map((k) => k.name));
  for (const a of s.kvsAssociations) {
    if (!stores.has(storeNameOf(a)) && ctx.kvs.byId(storeNameOf(a)) === undefined) {
      throw errors.invalidArgument(
        `The key value store ${a} does not exist: associate one created with CreateKeyValueStore (by its ARN) or one of the configuration's keyValueStores (${[...stores].join(', ') || 'none'}).`,
      );
    }
  }
  const r = await compileFunction({ name, code: s.code, runtime: s.runtime, comment: s.comment, kvsIds: s.kvsAssociations.map(storeNameOf) });
  if (r.ok) return r.fn;
  if (r.error.code === 'FunctionSizeLimitExceeded') throw errors.functionSizeLimitExceeded(r.error.message);
  throw errors.invalidArgument(r.error.message);
}

/** A definition as sent → what the store keeps, once it compiles. */
export async function checkDefinition(ctx: CompileContext, name: string, def: FunctionDefinition): Promise<StageContent> {
  const runtime = def.config.runtime;
  if (runtime !== 'cloudfront-js-1.0' && runtime !== 'cloudfront-js-2.0') {
    throw errors.invalidArgument(`The runtime '${runtime}' is not valid: cloudfront-js-1.0 or cloudfront-js-2.0.`);
  }
  const content: StageContent = { code: def.code, runtime, comment: def.config.comment, kvsAssociations: def.config.kvsAssociations };
  (await compileForApi(ctx, name, content)).dispose();
  return content;
}
