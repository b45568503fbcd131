/**
 * The infix syntax back to trees (a small recursive-descent parser, no dependency).
 *
 *   sum     := product (('+' | '-') product)*
 *   product := unary (('*' | '/') unary)*
 *   unary   := ('-' | '+') unary | power           (-a * b is (-a) * b; -a ^ 2 is -(a ^ 2))
 *   power   := primary ('^' unary)?                (right-associative: a ^ b ^ c is a ^ (b ^ c))
 *   primary := number | name | name '(' sum (',' sum)* ')' | '(' sum ')'
 *
 * A minus sign directly before a number literal makes a negative constant; `a ^ 2` and `a ^ 3` (the literals
 * 2 and 3) become square and cube; names are features (by the given names, else x0, x1, ...), functions from
 * the operator table (and its aliases: pow, ln, ...), or the constants pi and e.
 */
import { SrError } from '../errors.js';
import type { Node } from './node.js';
import { operatorByName } from './operators.js';
import { checkFeatureNames } from './print.js';

interface Token { kind: 'num' | 'name' | 'sym' | 'end'; text: string; pos: number }

const NUMBER = /(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/y;
const NAME = /[A-Za-z_][A-Za-z0-9_]*/y;

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') { i++; continue; }
    NUMBER.lastIndex = i;
    const num = NUMBER.exec(text);
    if (num) { tokens.push({ kind: 'num', text: num[0], pos: i }); i += num[0].length; continue; }
    NAME.lastIndex = i;
    const name = NAME.exec(text);
    if (name) { tokens.push({ kind: 'name', text: name[0], pos: i }); i += name[0].length; continue; }
    if (c === '*' && text[i + 1] === '*') { tokens.push({ kind: 'sym', text: '^', pos: i }); i += 2; continue; }
    if ('+-*/^(),'.includes(c)) { tokens.push({ kind: 'sym', text: c, pos: i }); i++; continue; }
    throw new SrError('PARSE_ERROR', `unexpected character "${c}" at position ${i} in "${text}"`);
  }
  tokens.push({ kind: 'end', text: '', pos: text.length });
  return tokens;
}

class Parser {
  private i = 0;
  constructor(
    private readonly text: string,
    private readonly tokens: Token[],
    private readonly features: Map<string, number> | undefined,
  ) {}

  private peek(): Token { return this.tokens[this.i]; }
  private next(): Token { return this.tokens[this.i++]; }
  private fail(expected: string): never {
    const t = this.peek();
    const found = t.kind === 'end' ? 'the end' : `"${t.text}"`;
    throw new SrError('PARSE_ERROR', `expected ${expected} at position ${t.pos} of "${this.text}", found ${found}`);
  }
  private isSym(s: string): boolean { const t = this.peek(); return t.kind === 'sym' && t.text === s; }
  private expect(s: string): void { if (!this.isSym(s)) this.fail(`"${s}"`); this.i++; }

  parseAll(): Node {
    const node = this.sum();
    if (this.peek().kind !== 'end') this.fail('an operator or the end');
    return node;
  }

  private sum(): Node {
    let left = this.product();
    while (this.isSym('+') || this.isSym('-')) {
      const op = this.next().text as '+' | '-';
      left = { kind: 'op', op, children: [left, this.product()] };
    }
    return left;
  }

  private product(): Node {
    let left = this.unary();
    while (this.isSym('*') || this.isSym('/')) {
      const op = this.next().text as '*' | '/';
      left = { kind: 'op', op, children: [left, this.unary()] };
    }
    return left;
  }

  /** Is token i a "^"? */
  private powerAt(i: number): boolean {
    const t = this.tokens[i];
    return t.kind === 'sym' && t.text === '^';
  }

  /** Also the exponent of a power: a ^ -b and a ^ b ^ c read the same way. */
  private unary(): Node {
    if (this.isSym('+')) { this.i++; return this.unary(); }
    if (this.isSym('-')) {
      this.i++;
      const t = this.peek();
      // "-1.5" is a negative constant unless a power follows ("-2 ^ x" is -(2 ^ x))
      if (t.kind === 'num' && !this.powerAt(this.i + 1)) {
        this.i++;
        return { kind: 'const', value: -Number(t.text) };
      }
      return { kind: 'op', op: 'neg', children: [this.unary()] };
    }
    return this.power();
  }

  private power(): Node {
    const base = this.primary();
    if (!this.isSym('^')) return base;
    this.i++;
    const t = this.peek();
    if (t.kind === 'num' && !this.powerAt(this.i + 1) && (t.text === '2' || t.text === '3')) {
      this.i++;
      return { kind: 'op', op: t.text === '2' ? 'square' : 'cube', children: [base] };
    }
    return { kind: 'op', op: '^', children: [base, this.unary()] };
  }

  private primary(): Node {
    const t = this.next();
    if (t.kind === 'num') return { kind: 'const', value: Number(t.text) };
    if (t.kind === 'sym' && t.text === '(') {
      const inner = this.sum();
      this.expect(')');
      return inner;
    }
    if (t.kind === 'name') {
      if (this.isSym('(')) return this.call(t);
      const index = this.features?.get(t.text);
      if (index !== undefined) return { kind: 'feature', index };
      if (!this.features) {
        const m = /^x(\d+)$/.exec(t.text);
        if (m) return { kind: 'feature', index: Number(m[1]) };
      }
      if (t.text === 'pi' || t.text === 'PI') return { kind: 'const', value: Math.PI };
      if (t.text === 'e' || t.text === 'E') return { kind: 'const', value: Math.E };
      if (t.text === 'Infinity' || t.text === 'inf') return { kind: 'const', value: Infinity };
      if (t.text === 'NaN' || t.text === 'nan') return { kind: 'const', value: NaN };
      const known = this.features ? [...this.features.keys()].join(', ') : 'x0, x1, ...';
      throw new SrError('PARSE_ERROR', `unknown name "${t.text}" at position ${t.pos} of "${this.text}"; the features are ${known}`);
    }
    this.i--;
    return this.fail('a number, a name or "("');
  }

  private call(name: Token): Node {
    const op = operatorByName(name.text);
    if (!op) throw new SrError('UNKNOWN_OPERATOR', `unknown function "${name.text}" at position ${name.pos} of "${this.text}"`);
    this.expect('(');
    const args: Node[] = [this.sum()];
    while (this.isSym(',')) { this.i++; args.push(this.sum()); }
    this.expect(')');
    if (args.length !== op.arity) {
      throw new SrError('PARSE_ERROR', `${name.text} takes ${op.arity} argument(s), got ${args.length} at position ${name.pos} of "${this.text}"`);
    }
    return { kind: 'op', op: op.name, children: args };
  }
}

/** Parse infix text into a tree; `featureNames` maps names to feature indices (default x0, x1, ...). */
export function parseExpression(text: string, featureNames?: readonly string[]): Node {
  if (featureNames) checkFeatureNames(featureNames);
  const features = featureNames ? new Map(featureNames.map((n, i) => [n, i])) : undefined;
  return new Parser(text, tokenize(text), features).parseAll();
}
