/**
 * `<FunctionSummary>`, `<FunctionList>` and `<TestResult>` documents.
 * https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_FunctionSummary.html
 * https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_FunctionList.html
 * https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_TestResult.html
 */
import type { TestResult } from '@bucketfront/cf-functions';
import { ACCOUNT_ID } from './distribution-xml.js';
import type { FunctionStage } from './function-request.js';
import type { StoredFunction, StoredStage } from './function-store.js';
import { quantityList, renderDocument, type XmlNode, type XmlValue } from './xml.js';

/**
 * FunctionSummary's Status, for the function as a whole: UNPUBLISHED until it has a LIVE stage,
 * then DEPLOYED when a cache behavior of the configuration associates it, else UNASSOCIATED.
 * https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/publish-function.html
 */
export function functionStatus(fn: StoredFunction, associated: boolean): 'UNPUBLISHED' | 'UNASSOCIATED' | 'DEPLOYED' {
  if (!fn.live) return 'UNPUBLISHED';
  return associated ? 'DEPLOYED' : 'UNASSOCIATED';
}

export function functionArn(name: string): string {
  return `arn:aws:cloudfront::${ACCOUNT_ID}:function/${name}`;
}

/** A KeyValueStoreARN as sent, or an ARN made from a bare store name. */
function kvsArn(association: string): string {
  return association.startsWith('arn:') ? association : `arn:aws:cloudfront::${ACCOUNT_ID}:key-value-store/${association}`;
}

/** A FunctionConfig node: Comment, Runtime and the KeyValueStoreAssociations (each ARN from `arnOf`). */
export function functionConfigNode(s: Pick<StoredStage, 'comment' | 'runtime' | 'kvsAssociations'>, arnOf: (association: string) => string = kvsArn): XmlNode {
  const node: XmlNode = [
    ['Comment', s.comment],
    ['Runtime', s.runtime],
  ];
  if (s.kvsAssociations.length > 0) {
    node.push([
      'KeyValueStoreAssociations',
      quantityList(
        'KeyValueStoreAssociation',
        s.kvsAssociations.map((a): XmlValue => [['KeyValueStoreARN', arnOf(a)]]),
      ),
    ]);
  }
  return node;
}

export interface SummaryInput {
  fn: StoredFunction;
  stage: FunctionStage;
  status: string;
}

export function functionSummaryNode({ fn, stage, status }: SummaryInput): XmlNode {
  const s = stage === 'LIVE' ? fn.live! : fn.development;
  return [
    ['Name', fn.name],
    ['Status', status],
    ['FunctionConfig', functionConfigNode(s)],
    [
      'FunctionMetadata',
      [
        ['FunctionARN', functionArn(fn.name)],
        ['Stage', stage],
        ['CreatedTime', fn.createdTime],
        ['LastModifiedTime', s.lastModifiedTime],
      ],
    ],
  ];
}

export function renderFunctionSummary(input: SummaryInput): string {
  return renderDocument('FunctionSummary', functionSummaryNode(input));
}

export function renderFunctionList(page: { items: SummaryInput[]; maxItems: number; nextMarker?: string }): string {
  return renderDocument('FunctionList', [['NextMarker', page.nextMarker], ['MaxItems', page.maxItems], ...quantityList('FunctionSummary', page.items.map(functionSummaryNode))]);
}

/** TestResult, with the summary of the stage that ran (cf-functions fills in the run's fields). */
export function renderTestResult(summary: SummaryInput, result: TestResult): string {
  return renderDocument('TestResult', [
    ['FunctionSummary', functionSummaryNode(summary)],
    ['ComputeUtilization', result.ComputeUtilization],
    // FunctionExecutionLogList has no member name in the API model: the default `member`.
    ['FunctionExecutionLogs', result.FunctionExecutionLogs.map((line): [string, XmlValue] => ['member', line])],
    ['FunctionErrorMessage', result.FunctionErrorMessage],
    ['FunctionOutput', result.FunctionOutput],
  ]);
}
