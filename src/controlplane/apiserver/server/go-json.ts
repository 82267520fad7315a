/**
 * Go's `encoding/json` syntax errors, byte for byte (the API server reports them inside its 400
 * answers): a small scanner with Go's states, used only after `JSON.parse` has failed, to say
 * what Go would have said. `invalid character 'b' looking for beginning of object key string`.
 */

/** Go's `quoteChar`: `'x'`, `'\''`, `'"'`, `'\n'`, `'\x01'`. */
function quoteChar(c: number): string {
  if (c === 0x27) return "'\\''";
  if (c === 0x22) return `'"'`;
  const named: Record<number, string> = { 7: '\\a', 8: '\\b', 9: '\\t', 10: '\\n', 11: '\\v', 12: '\\f', 13: '\\r', 0x5c: '\\\\' };
  const n = named[c];
  if (n !== undefined) return `'${n}'`;
  if (c < 0x20 || c === 0x7f || c >= 0x80) return `'\\x${c.toString(16).padStart(2, '0')}'`;
  return `'${String.fromCharCode(c)}'`;
}

class Scan {
  pos = 0;
  constructor(readonly b: Buffer) {}

  err(context: string): never {
    const c = this.b[this.pos];
    if (c === undefined) throw new GoSyntax('unexpected end of JSON input');
    throw new GoSyntax(`invalid character ${quoteChar(c)} ${context}`);
  }

  ws(): void {
    for (;;) {
      const c = this.b[this.pos];
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) this.pos++;
      else return;
    }
  }

  value(): void {
    this.ws();
    const c = this.b[this.pos];
    if (c === 0x7b) return this.object();
    if (c === 0x5b) return this.array();
    if (c === 0x22) return this.string();
    if (c === 0x2d || (c !== undefined && c >= 0x30 && c <= 0x39)) return this.number();
    if (c === 0x74) return this.literal('true');
    if (c === 0x66) return this.literal('false');
    if (c === 0x6e) return this.literal('null');
    this.err('looking for beginning of value');
  }

  object(): void {
    this.pos++;
    this.ws();
    if (this.b[this.pos] === 0x7d) {
      this.pos++;
      return;
    }
    for (;;) {
      this.ws();
      if (this.b[this.pos] !== 0x22) this.err('looking for beginning of object key string');
      this.string();
      this.ws();
      if (this.b[this.pos] !== 0x3a) this.err('after object key');
      this.pos++;
      this.value();
      this.ws();
      const c = this.b[this.pos];
      if (c === 0x2c) {
        this.pos++;
        continue;
      }
      if (c === 0x7d) {
        this.pos++;
        return;
      }
      this.err('after object key:value pair');
    }
  }

  array(): void {
    this.pos++;
    this.ws();
    if (this.b[this.pos] === 0x5d) {
      this.pos++;
      return;
    }
    for (;;) {
      this.value();
      this.ws();
      const c = this.b[this.pos];
      if (c === 0x2c) {
        this.pos++;
        continue;
      }
      if (c === 0x5d) {
        this.pos++;
        return;
      }
      this.err('after array element');
    }
  }

  string(): void {
    this.pos++;
    for (;;) {
      const c = this.b[this.pos];
      if (c === undefined) this.err('in string literal');
      if (c === 0x22) {
        this.pos++;
        return;
      }
      if (c < 0x20) this.err('in string literal');
      if (c === 0x5c) {
        this.pos++;
        const e = this.b[this.pos];
        if (e === 0x75) {
          for (let i = 0; i < 4; i++) {
            this.pos++;
            const h = this.b[this.pos];
            if (h === undefined || !/[0-9a-fA-F]/.test(String.fromCharCode(h))) this.err('in \\u hexadecimal character escape');
          }
        } else if (e === undefined || !'"\\/bfnrt'.includes(String.fromCharCode(e))) {
          this.err('in string escape code');
        }
      }
      this.pos++;
    }
  }

  private digit(): boolean {
    const c = this.b[this.pos];
    return c !== undefined && c >= 0x30 && c <= 0x39;
  }

  number(): void {
    if (this.b[this.pos] === 0x2d) {
      this.pos++;
      if (!this.digit()) this.err('in numeric literal');
    }
    if (this.b[this.pos] === 0x30) this.pos++;
    else while (this.digit()) this.pos++;
    if (this.b[this.pos] === 0x2e) {
      this.pos++;
      if (!this.digit()) this.err('after decimal point in numeric literal');
      while (this.digit()) this.pos++;
    }
    const e = this.b[this.pos];
    if (e === 0x65 || e === 0x45) {
      this.pos++;
      const s = this.b[this.pos];
      if (s === 0x2b || s === 0x2d) this.pos++;
      if (!this.digit()) this.err('in exponent of numeric literal');
      while (this.digit()) this.pos++;
    }
  }

  literal(word: string): void {
    for (let i = 0; i < word.length; i++) {
      if (this.b[this.pos] !== word.charCodeAt(i)) this.err(`in literal ${word} (expecting ${quoteChar(word.charCodeAt(i))})`);
      this.pos++;
    }
  }
}

class GoSyntax extends Error {}

/** Go's syntax error for `body`, or undefined when it is valid JSON. */
export function goJsonSyntaxError(body: Buffer): string | undefined {
  const s = new Scan(body);
  try {
    s.value();
    s.ws();
    if (s.pos < body.length) s.err('after top-level value');
    return undefined;
  } catch (err) {
    if (err instanceof GoSyntax) return err.message;
    throw err;
  }
}
