/**
 * Field selectors as upstream `k8s.io/apimachinery/pkg/fields` (v1.32): comma-separated terms
 * (`\,` escapes a comma) of `field=value`, `field==value` or `field!=value`, all of which must hold.
 * Which fields a kind supports is the kind's business (`checkFieldLabels`).
 */
import { SelectorParseError } from './labels.js';

export interface FieldTerm {
  readonly field: string;
  readonly op: '=' | '!=';
  readonly value: string;
}

export interface FieldSelector {
  readonly terms: readonly FieldTerm[];
  readonly empty: boolean;
  /** `fields` are the object's selectable fields; a field it lacks reads as ''. */
  matches(fields: Readonly<Record<string, string>>): boolean;
  /** The value a term requires with `=`, if any (e.g. to narrow a list to one name). */
  requires(field: string): string | undefined;
}

function splitTerms(s: string): string[] {
  const terms: string[] = [];
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i] ?? '';
    if (c === '\\' && i + 1 < s.length) {
      cur += c + (s[i + 1] ?? '');
      i++;
    } else if (c === ',') {
      terms.push(cur);
      cur = '';
    } else {
      cur += c;
    }
  }
  terms.push(cur);
  return terms;
}

function splitTerm(term: string): [string, '=' | '!=', string] | undefined {
  for (let i = 0; i < term.length; i++) {
    const rest = term.slice(i);
    if (rest.startsWith('!=')) return [term.slice(0, i), '!=', term.slice(i + 2)];
    if (rest.startsWith('==')) return [term.slice(0, i), '=', term.slice(i + 2)];
    if (rest.startsWith('=')) return [term.slice(0, i), '=', term.slice(i + 1)];
  }
  return undefined;
}

/** Upstream `UnescapeValue`: `\\`, `\,` and `\=` only; bare `,` or `=` are errors. */
function unescapeValue(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i] ?? '';
    if (c === '\\') {
      const n = s[i + 1];
      if (n === '\\' || n === ',' || n === '=') {
        out += n;
        i++;
        continue;
      }
      throw new SelectorParseError(`invalid field selector: invalid escape sequence: ${s.slice(i, i + 2)}`);
    }
    if (c === ',' || c === '=') throw new SelectorParseError(`invalid field selector: unescaped character in value: ${c}`);
    out += c;
  }
  return out;
}

export function fieldSelectorFrom(terms: readonly FieldTerm[]): FieldSelector {
  return {
    terms,
    empty: terms.length === 0,
    matches: (fields) => terms.every((t) => ((fields[t.field] ?? '') === t.value) === (t.op === '=')),
    requires: (field) => terms.find((t) => t.field === field && t.op === '=')?.value,
  };
}

/** Parses a `fieldSelector` query value; throws SelectorParseError with upstream's message. */
export function parseFieldSelector(selector: string): FieldSelector {
  const terms: FieldTerm[] = [];
  for (const part of splitTerms(selector).sort()) {
    if (part === '') continue;
    const split = splitTerm(part);
    if (split === undefined) throw new SelectorParseError(`invalid selector: '${selector}'; can't understand '${part}'`);
    const [field, op, value] = split;
    terms.push({ field, op, value: unescapeValue(value) });
  }
  return fieldSelectorFrom(terms);
}

/** Rejects terms on fields the kind does not index, with upstream's conversion error. */
export function checkFieldLabels(sel: FieldSelector, supported: ReadonlySet<string>): void {
  for (const t of sel.terms) {
    if (!supported.has(t.field)) throw new SelectorParseError(`field label not supported: ${t.field}`);
  }
}

export const EVERY_FIELD: FieldSelector = fieldSelectorFrom([]);
