/**
 * The building blocks of the edge configuration schema (schema.ts): field kinds with the messages
 * validation reports, field documentation for the README table, and the did-you-mean for an
 * unknown field.
 */
import * as z from 'zod';

export const MiB = 1024 * 1024;
export const TTL_MAX = 31536000 * 100;

/** What the README table shows of a field (`default` also feeds CONFIG_DEFAULTS). */
export interface FieldDoc {
  description: string;
  /** The default, when the field has one (a value, or a sentence when it depends on others). */
  default?: unknown;
  /** The type as users write it, where the schema's own type would not say it. */
  type?: string;
}

/** A field with its documentation (outermost, where the docs and CONFIG_DEFAULTS read it). */
export const doc = <T extends z.ZodType>(schema: T, d: FieldDoc): T => schema.meta({ ...d }) as T;

/** The FieldDoc of a field of one of the shapes below. */
export const fieldDoc = (schema: z.ZodType): FieldDoc | undefined => schema.meta() as FieldDoc | undefined;

/** A field's documented default. */
export function defaultOf<T>(schema: z.ZodType): T {
  return fieldDoc(schema)!.default as T;
}

// ---- field kinds, with the messages validation reports ------------------------------------------

/** A string; a required one must be non-empty. */
export function text(required = false) {
  const s = z.string({ error: (iss) => (iss.input === undefined ? 'is required' : 'must be a non-empty string') });
  return required ? s.min(1, { error: 'must be a non-empty string' }) : s;
}

export const between = (min: number, max: number) => ({ error: `must be between ${min} and ${max}` });

/** An integer in [min, max]. */
export const integer = (min: number, max: number) =>
  z
    .number({ error: (iss) => (iss.input === undefined ? 'is required' : 'must be an integer') })
    .int({ error: 'must be an integer', abort: true })
    .min(min, between(min, max))
    .max(max, between(min, max));

/** A number (fractions allowed) in [min, max]. */
export const decimal = (min: number, max: number) => z.number({ error: 'must be a number' }).min(min, between(min, max)).max(max, between(min, max));

export const flag = () => z.boolean({ error: 'must be true or false' });

/** An array of strings, reported as a whole (not per element). */
export const stringList = () => z.custom<string[]>((v) => Array.isArray(v) && v.every((s) => typeof s === 'string'), { error: 'must be an array of strings' });

/** An array of `item`; an absent one is empty. */
export const list = <T extends z.ZodType>(item: T) => z.array(item, { error: 'must be an array' });

/** An object whose absence is `{}`: its fields' defaults and requirements apply. */
export const absentIsEmpty = <T extends z.ZodType>(schema: T) => schema.prefault({} as z.input<T>);

export const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Levenshtein distance (small strings only: field names). */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}

/**
 * The known field a misspelt one most likely meant: the same name in another case, else the only
 * field it is a prefix of (4+ characters), else the closest within ~1 edit per 4 characters (≤ 3).
 */
export function didYouMean(field: string, known: readonly string[]): string | undefined {
  const lower = field.toLowerCase();
  const sameCase = known.find((k) => k.toLowerCase() === lower);
  if (sameCase !== undefined) return sameCase;
  const prefixOf = known.filter((k) => k.toLowerCase().startsWith(lower));
  if (lower.length >= 4 && prefixOf.length === 1) return prefixOf[0];
  let best: string | undefined;
  let bestD = field.length < 3 ? 0 : Math.min(3, Math.max(1, Math.floor(field.length / 4)));
  for (const k of known) {
    const d = editDistance(lower, k.toLowerCase());
    if (d <= bestD && (best === undefined || d < bestD)) {
      best = k;
      bestD = d;
    }
  }
  return best;
}

/** The problem with one unknown (e.g. misspelt) field, which would otherwise be ignored silently. */
export function unknownField(key: string, known: readonly string[]): string {
  const guess = didYouMean(key, known);
  return guess !== undefined ? `unknown field (did you mean ${guess}?)` : `unknown field (known: ${known.join(', ')})`;
}

/**
 * An object of these fields and no others. An unknown key's issue message is the JSON list of
 * `[key, problem]` (validate.ts reports each at its own path).
 */
export function fields<S extends z.ZodRawShape>(shape: S, notObject = 'must be an object') {
  const known = Object.keys(shape);
  return z.strictObject(shape, {
    error: (iss) => (iss.code === 'unrecognized_keys' ? JSON.stringify(iss.keys.map((k) => [k, unknownField(k, known)])) : notObject),
  });
}

/** Issue `message` at `path` (relative to the object being refined). */
export const problem = (ctx: z.RefinementCtx, path: PropertyKey[], message: string) => ctx.addIssue({ code: 'custom', path, message });

export function isHttpUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
  } catch {
    return false;
  }
}
