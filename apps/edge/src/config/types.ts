/**
 * The edge configuration's types: the *validated, defaulted* form `validateEdgeConfig` returns,
 * inferred from the schema (config/schema.ts), where each field is described.
 * https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_DistributionConfig.html
 */
import type * as z from 'zod';
import type { edgeConfigSchema } from './schema.js';

export type EdgeConfig = z.output<typeof edgeConfigSchema>;
export type DistributionConfig = EdgeConfig['distributions'][number];
export type OriginConfig = DistributionConfig['origins'][number];
export type OriginGroupConfig = DistributionConfig['originGroups'][number];
export type CustomErrorResponseConfig = DistributionConfig['customErrorResponses'][number];
export type CacheBehaviorConfig = DistributionConfig['cacheBehaviors'][number];
export type CacheKeyConfig = CacheBehaviorConfig['cacheKey'];
export type FunctionAssociationConfig = NonNullable<CacheBehaviorConfig['functionAssociations']>[number];
export type FunctionConfig = NonNullable<EdgeConfig['functions']>[number];
export type KeyValueStoreConfig = NonNullable<EdgeConfig['keyValueStores']>[number];
export type QueryStringBehavior = CacheKeyConfig['queryStrings']['behavior'];
export type CookieBehavior = CacheKeyConfig['cookies']['behavior'];
export type HeaderBehavior = CacheKeyConfig['headers']['behavior'];
