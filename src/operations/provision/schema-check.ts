/**
 * A small JSON Schema (draft 2020-12) checker for the keywords schema/plan.schema.json uses, so the
 * shipped schema is the one source of truth for plan files without a validator dependency. Unknown
 * keywords are ignored, as the draft says of annotations. Errors carry a JSONPath-like location
 * (`$.edits[1].value`).
 */

export type JsonSchema = { [keyword: string]: unknown } | boolean;

export interface SchemaError {
  path: string;
  message: string;
  /** The values a const/enum allows (to merge the alternatives of a oneOf). */
  allowed?: unknown[];
}

const SUPPORTED_TYPES = ['object', 'array', 'string', 'integer', 'number', 'boolean', 'null'] as const;

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function matchesType(v: unknown, type: string): boolean {
  const t = typeOf(v);
  return t === type || (type === 'number' && t === 'integer');
}

function childPath(path: string, key: string | number): string {
  return typeof key === 'number' ? `${path}[${key}]` : /^[A-Za-z_$][\w$-]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

function show(v: unknown): string {
  const text = JSON.stringify(v);
  return text === undefined ? String(v) : text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function deepEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export class SchemaChecker {
  constructor(private readonly root: JsonSchema) {}

  /** Every error of `value` against the root schema (empty when valid). */
  check(value: unknown): SchemaError[] {
    const errors: SchemaError[] = [];
    this.visit(this.root, value, '$', errors);
    return errors;
  }

  private resolve(ref: string): JsonSchema {
    if (!ref.startsWith('#/')) throw new Error(`schema: only local $ref are supported, not ${ref}`);
    let node: unknown = this.root;
    for (const part of ref.slice(2).split('/')) node = (node as Record<string, unknown>)[part.replace(/~1/g, '/').replace(/~0/g, '~')];
    if (node === undefined) throw new Error(`schema: $ref ${ref} points nowhere`);
    return node as JsonSchema;
  }

  private visit(schema: JsonSchema, v: unknown, path: string, errors: SchemaError[]): void {
    if (schema === true) return;
    if (schema === false) {
      errors.push({ path, message: 'is not allowed here' });
      return;
    }
    const s = schema as Record<string, unknown>;
    if (typeof s.$ref === 'string') this.visit(this.resolve(s.$ref), v, path, errors);
    if (typeof s.type === 'string' && (SUPPORTED_TYPES as readonly string[]).includes(s.type) && !matchesType(v, s.type)) {
      errors.push({ path, message: `must be ${s.type === 'integer' || s.type === 'array' || s.type === 'object' ? 'an' : 'a'} ${s.type}, not ${show(v)}` });
      return;
    }
    if ('const' in s && !deepEqual(v, s.const)) errors.push({ path, message: `must be ${show(s.const)}, not ${show(v)}`, allowed: [s.const] });
    if (Array.isArray(s.enum) && !s.enum.some((e) => deepEqual(e, v))) errors.push({ path, message: `must be one of ${s.enum.map(show).join(', ')}, not ${show(v)}`, allowed: s.enum });
    if (typeof v === 'number') this.numberKeywords(s, v, path, errors);
    if (typeof v === 'string') this.stringKeywords(s, v, path, errors);
    if (Array.isArray(v)) this.arrayKeywords(s, v, path, errors);
    else if (typeOf(v) === 'object') this.objectKeywords(s, v as Record<string, unknown>, path, errors);
    if (Array.isArray(s.oneOf)) this.oneOf(s, s.oneOf as JsonSchema[], v, path, errors, true);
    if (Array.isArray(s.anyOf)) this.oneOf(s, s.anyOf as JsonSchema[], v, path, errors, false);
  }

  private numberKeywords(s: Record<string, unknown>, v: number, path: string, errors: SchemaError[]): void {
    if (typeof s.minimum === 'number' && v < s.minimum) errors.push({ path, message: `must be ≥ ${s.minimum}, not ${v}` });
    if (typeof s.maximum === 'number' && v > s.maximum) errors.push({ path, message: `must be ≤ ${s.maximum}, not ${v}` });
  }

  private stringKeywords(s: Record<string, unknown>, v: string, path: string, errors: SchemaError[]): void {
    if (typeof s.minLength === 'number' && v.length < s.minLength) errors.push({ path, message: s.minLength === 1 ? 'must not be empty' : `must have at least ${s.minLength} characters` });
    if (typeof s.pattern === 'string' && !new RegExp(s.pattern, 'u').test(v)) {
      errors.push({ path, message: `${show(v)} is not valid${typeof s.description === 'string' ? ` (${s.description})` : ''}` });
    }
  }

  private arrayKeywords(s: Record<string, unknown>, v: unknown[], path: string, errors: SchemaError[]): void {
    if (typeof s.minItems === 'number' && v.length < s.minItems) errors.push({ path, message: `must have at least ${s.minItems} item(s), not ${v.length}` });
    if (typeof s.maxItems === 'number' && v.length > s.maxItems) errors.push({ path, message: `must have at most ${s.maxItems} item(s), not ${v.length}` });
    if (s.uniqueItems === true) {
      const seen = new Set<string>();
      v.forEach((item, i) => {
        const key = JSON.stringify(item);
        if (seen.has(key)) errors.push({ path: childPath(path, i), message: `repeats ${show(item)}` });
        seen.add(key);
      });
    }
    if (s.items !== undefined) v.forEach((item, i) => this.visit(s.items as JsonSchema, item, childPath(path, i), errors));
  }

  private objectKeywords(s: Record<string, unknown>, v: Record<string, unknown>, path: string, errors: SchemaError[]): void {
    const props = (s.properties ?? {}) as Record<string, JsonSchema>;
    if (Array.isArray(s.required)) {
      for (const key of s.required as string[]) if (!(key in v)) errors.push({ path, message: `"${key}" is missing` });
    }
    for (const [key, item] of Object.entries(v)) {
      if (key in props) this.visit(props[key]!, item, childPath(path, key), errors);
      else if (s.additionalProperties === false) errors.push({ path: childPath(path, key), message: `"${key}" is not a known property here${Object.keys(props).length ? ` (known: ${Object.keys(props).join(', ')})` : ''}` });
      else if (s.additionalProperties !== undefined && s.additionalProperties !== true) this.visit(s.additionalProperties as JsonSchema, item, childPath(path, key), errors);
    }
  }

  /** Follows $ref chains to the schema object that has the keywords. */
  private deref(schema: JsonSchema): Record<string, unknown> | undefined {
    let node = schema;
    for (let i = 0; i < 16 && typeof node === 'object' && typeof node.$ref === 'string'; i++) node = this.resolve(node.$ref);
    return typeof node === 'object' ? node : undefined;
  }

  /** Properties that every branch pins with const/enum ("op" for plan edits): they select the form. */
  private discriminators(branches: JsonSchema[]): string[] {
    const keys = branches.map((b) => {
      const props = (this.deref(b)?.properties ?? {}) as Record<string, JsonSchema>;
      return Object.keys(props).filter((k) => {
        const p = this.deref(props[k]!);
        return p !== undefined && ('const' in p || Array.isArray(p.enum));
      });
    });
    return keys.length ? keys.reduce((a, b) => a.filter((k) => b.includes(k))) : [];
  }

  /**
   * oneOf / anyOf. When no branch matches, the error shown is chosen to help: a discriminator that
   * matches no form ("op": "burn") lists every allowed value; otherwise the errors of the form the
   * discriminator selects, and among several, the one with the fewest errors. A oneOf of scalars
   * that fails as a whole (a u32 as number or text) says so with its description.
   */
  private oneOf(node: Record<string, unknown>, branches: JsonSchema[], v: unknown, path: string, errors: SchemaError[], exactlyOne: boolean): void {
    const results = branches.map((b) => {
      const e: SchemaError[] = [];
      this.visit(b, v, path, e);
      return e;
    });
    const passing = results.filter((e) => e.length === 0).length;
    if (passing === 1 || (!exactlyOne && passing > 1)) return;
    if (passing > 1) {
      errors.push({ path, message: 'matches more than one form: make it unambiguous' });
      return;
    }
    const keys = this.discriminators(branches).map((k) => childPath(path, k));
    const mismatched = (e: SchemaError[]): boolean => e.some((x) => x.allowed !== undefined && keys.includes(x.path));
    let candidates = results.filter((e) => !mismatched(e));
    if (candidates.length === 0 && keys.length > 0) {
      const key = keys.find((k) => results.every((e) => e.some((x) => x.path === k && x.allowed))) ?? keys[0]!;
      const allowed = [...new Set(results.flatMap((e) => e.filter((x) => x.path === key).flatMap((x) => x.allowed ?? [])).map((a) => JSON.stringify(a)))];
      const actual = (v as Record<string, unknown>)[key.slice(key.lastIndexOf('.') + 1)];
      errors.push({ path: key, message: `must be one of ${allowed.join(', ')}, not ${show(actual)}`, allowed: allowed.map((a) => JSON.parse(a)) });
      return;
    }
    if (candidates.length === 0) candidates = results;
    if (typeof node.description === 'string' && candidates.every((e) => e.every((x) => x.path === path))) {
      errors.push({ path, message: `${show(v)} is not valid: ${node.description}` });
      return;
    }
    const best = candidates.reduce((a, b) => (b.length < a.length ? b : a));
    errors.push(...best);
  }
}
