/** A stored function as its FunctionSummary shows it: the stage asked for and the function's Status. */
import { associatedFunctionNames } from '../functions/associations.js';
import type { ControlContext } from './context.js';
import { checkFunctionName, type FunctionStage } from './function-request.js';
import type { StoredFunction } from './function-store.js';
import { functionStatus, type SummaryInput } from './function-xml.js';

export function summaryOf(ctx: ControlContext, fn: StoredFunction, stage: FunctionStage): SummaryInput {
  return { fn, stage, status: functionStatus(fn, isAssociated(ctx, fn.name)) };
}

/** Whether a cache behavior of the configuration names the function (its functionAssociations). */
export function isAssociated(ctx: ControlContext, name: string): boolean {
  return associatedFunctionNames(ctx.config).has(name);
}

/** The `{Name}` path parameter, checked against the API's pattern. */
export function nameParam(params: Record<string, string>): string {
  const name = params['name'] ?? '';
  checkFunctionName(name);
  return name;
}
