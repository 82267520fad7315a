/**
 * Label selectors as upstream `k8s.io/apimachinery/pkg/labels` (v1.32): the same lexer, grammar,
 * validation and error messages (`Parse`), and the same matching rules. `!=` and `notin` match
 * objects without the label; `gt`/`lt` compare integers.
 */
import { FieldError, aggregateMessage, invalid, isQualifiedName, isValidLabelValue } from '../../../api/validation/index.js';

export type LabelOperator = 'in' | 'notin' | '=' | '==' | '!=' | 'exists' | '!' | 'gt' | 'lt';

export interface Requirement {
  readonly key: string;
  readonly operator: LabelOperator;
  /** Sorted and deduplicated, as upstream's `sets.String.List()`. */
  readonly values: readonly string[];
}

/** A parsed selector: all requirements must match. The empty selector matches everything. */
export interface LabelSelector {
  readonly requirements: readonly Requirement[];
  matches(labels: Readonly<Record<string, string>> | undefined): boolean;
  readonly empty: boolean;
}

/** A selector that does not parse; `message` is upstream's text. */
export class SelectorParseError extends Error {
  override readonly name = 'SelectorParseError';
}

type Tok = 'id' | 'end' | ')' | ',' | '!' | '==' | '=' | '>' | 'in' | '<' | '!=' | 'notin' | '(' | 'error';

const SYMBOLS: Record<string, Tok> = { ')': ')', ',': ',', '!': '!', '==': '==', '=': '=', '>': '>', '<': '<', '!=': '!=', '(': '(' };
const KEYWORDS: Record<string, Tok> = { in: 'in', notin: 'notin' };
const isSpace = (c: string): boolean => c === ' ' || c === '\t' || c === '\r' || c === '\n';
const isSpecial = (c: string): boolean => '=!(),><'.includes(c);

interface Item {
  tok: Tok;
  lit: string;
}

function lex(input: string): Item[] {
  const items: Item[] = [];
  let i = 0;
  for (;;) {
    while (i < input.length && isSpace(input[i] ?? '')) i++;
    if (i >= input.length) {
      items.push({ tok: 'end', lit: '' });
      return items;
    }
    const c = input[i] ?? '';
    if (isSpecial(c)) {
      // Longest match, extending one character at a time as upstream's scanner does.
      let lit = c;
      while (i + lit.length < input.length && SYMBOLS[lit + (input[i + lit.length] ?? '')] !== undefined) lit += input[i + lit.length];
      i += lit.length;
      items.push({ tok: SYMBOLS[lit] ?? 'error', lit });
      continue;
    }
    let id = '';
    while (i < input.length && !isSpace(input[i] ?? '') && !isSpecial(input[i] ?? '')) id += input[i++];
    items.push({ tok: KEYWORDS[id] ?? 'id', lit: id });
  }
}

const BINARY_OPERATORS = 'in, notin, =, ==, !=, gt, lt';

class Parser {
  private pos = 0;
  constructor(private readonly items: Item[]) {}

  /** In the Values context `in` and `notin` are plain identifiers. */
  private peek(values: boolean): Item {
    return this.norm(this.items[this.pos] ?? { tok: 'end', lit: '' }, values);
  }

  private next(values: boolean): Item {
    const item = this.peek(values);
    if (this.pos < this.items.length - 1 || item.tok !== 'end') this.pos++;
    return item;
  }

  private norm(item: Item, values: boolean): Item {
    return values && (item.tok === 'in' || item.tok === 'notin') ? { tok: 'id', lit: item.lit } : item;
  }

  parse(): Requirement[] {
    const reqs: Requirement[] = [];
    for (;;) {
      const { tok, lit } = this.peek(true);
      if (tok === 'id' || tok === '!') {
        try {
          reqs.push(this.requirement());
        } catch (err) {
          throw new SelectorParseError(`unable to parse requirement: ${(err as Error).message}`);
        }
        const t = this.next(true);
        if (t.tok === 'end') return reqs;
        if (t.tok === ',') {
          const t2 = this.peek(true);
          if (t2.tok !== 'id' && t2.tok !== '!') throw new SelectorParseError(`found '${t2.lit}', expected: identifier after ','`);
          continue;
        }
        throw new SelectorParseError(`found '${t.lit}', expected: ',' or 'end of string'`);
      }
      if (tok === 'end') return reqs;
      throw new SelectorParseError(`found '${lit}', expected: !, identifier, or 'end of string'`);
    }
  }

  private requirement(): Requirement {
    let t = this.next(true);
    let op: LabelOperator | undefined;
    if (t.tok === '!') {
      op = '!';
      t = this.next(true);
    }
    if (t.tok !== 'id') throw new Error(`found '${t.lit}', expected: identifier`);
    const key = t.lit;
    const keyErrs = isQualifiedName(key);
    if (keyErrs.length > 0) throw new Error(invalid('<nil>', key, keyErrs.join('; ')).message);
    const after = this.peek(true).tok;
    if (after === 'end' || after === ',') return newRequirement(key, op ?? 'exists', []);
    if (op === '!') return newRequirement(key, op, []);
    op = this.operator();
    const values = op === 'in' || op === 'notin' ? this.valueSet() : this.exactValue();
    return newRequirement(key, op, values);
  }

  private operator(): LabelOperator {
    const t = this.next(false);
    switch (t.tok) {
      case 'in':
      case 'notin':
      case '=':
      case '==':
      case '!=':
        return t.tok;
      case '>':
        return 'gt';
      case '<':
        return 'lt';
      default:
        throw new Error(`found '${t.lit}', expected: ${BINARY_OPERATORS}`);
    }
  }

  private valueSet(): string[] {
    const open = this.next(true);
    if (open.tok !== '(') throw new Error(`found '${open.lit}' expected: '('`);
    const first = this.peek(true);
    if (first.tok === ')') {
      this.next(true);
      return [''];
    }
    if (first.tok !== 'id' && first.tok !== ',') throw new Error(`found '${first.lit}', expected: ',', ')' or identifier`);
    const set = new Set<string>();
    for (;;) {
      const t = this.next(true);
      if (t.tok === 'id') {
        set.add(t.lit);
        const t2 = this.peek(true);
        if (t2.tok === ',') continue;
        if (t2.tok === ')') break;
        throw new Error(`found '${t2.lit}', expected: ',' or ')'`);
      } else if (t.tok === ',') {
        if (set.size === 0) set.add('');
        const t2 = this.peek(true);
        if (t2.tok === ')') {
          set.add('');
          break;
        }
        if (t2.tok === ',') {
          this.next(true);
          set.add('');
        }
      } else {
        throw new Error(`found '${t.lit}', expected: ',', or identifier`);
      }
    }
    const close = this.next(true);
    if (close.tok !== ')') throw new Error(`found '${first.lit}', expected: ')'`);
    return [...set];
  }

  private exactValue(): string[] {
    const t = this.peek(true);
    if (t.tok === 'end' || t.tok === ',') return [''];
    const v = this.next(true);
    if (v.tok === 'id') return [v.lit];
    throw new Error(`found '${v.lit}', expected: identifier`);
  }
}

const INT64 = /^[+-]?\d+$/;

/** Upstream `NewRequirement`: checks the key, the value count for the operator and each value. */
export function newRequirement(key: string, operator: LabelOperator, values: readonly string[]): Requirement {
  const sorted = [...new Set(values)].sort();
  const errs: FieldError[] = [];
  const keyErrs = isQualifiedName(key);
  if (keyErrs.length > 0) errs.push(invalid('key', key, keyErrs.join('; ')));
  switch (operator) {
    case 'in':
    case 'notin':
      if (sorted.length === 0) errs.push(invalid('values', sorted, "for 'in', 'notin' operators, values set can't be empty"));
      break;
    case '=':
    case '==':
    case '!=':
      if (sorted.length !== 1) errs.push(invalid('values', sorted, 'exact-match compatibility requires one single value'));
      break;
    case 'exists':
    case '!':
      if (sorted.length !== 0) errs.push(invalid('values', sorted, 'values set must be empty for exists and does not exist'));
      break;
    case 'gt':
    case 'lt':
      if (sorted.length !== 1) errs.push(invalid('values', sorted, "for 'Gt', 'Lt' operators, exactly one value is required"));
      sorted.forEach((v, i) => {
        if (!INT64.test(v)) errs.push(invalid(`values[${i}]`, v, "for 'Gt', 'Lt' operators, the value must be an integer"));
      });
      break;
  }
  sorted.forEach((v, i) => {
    const vErrs = isValidLabelValue(v);
    if (vErrs.length > 0) errs.push(invalid(`values[${i}][${key}]`, v, vErrs.join('; ')));
  });
  if (errs.length > 0) throw new Error(aggregateMessage(errs));
  return { key, operator, values: sorted };
}

export function requirementMatches(r: Requirement, labels: Readonly<Record<string, string>> | undefined): boolean {
  const has = labels !== undefined && Object.prototype.hasOwnProperty.call(labels, r.key);
  const value = has ? labels[r.key] ?? '' : '';
  switch (r.operator) {
    case 'in':
    case '=':
    case '==':
      return has && r.values.includes(value);
    case 'notin':
    case '!=':
      return !has || !r.values.includes(value);
    case 'exists':
      return has;
    case '!':
      return !has;
    case 'gt':
    case 'lt': {
      if (!has || !INT64.test(value)) return false;
      const lhs = BigInt(value);
      const rhs = BigInt(r.values[0] ?? '0');
      return r.operator === 'gt' ? lhs > rhs : lhs < rhs;
    }
  }
}

export function selectorFrom(requirements: readonly Requirement[]): LabelSelector {
  return {
    requirements,
    empty: requirements.length === 0,
    matches: (labels) => requirements.every((r) => requirementMatches(r, labels)),
  };
}

/** Parses a `labelSelector` query value; throws SelectorParseError with upstream's message. */
export function parseLabelSelector(input: string): LabelSelector {
  const reqs = new Parser(lex(input)).parse();
  return selectorFrom([...reqs].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)));
}

export const EVERYTHING: LabelSelector = selectorFrom([]);
