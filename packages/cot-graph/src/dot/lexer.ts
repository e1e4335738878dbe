import { DotSyntaxError } from '../errors.js';

/** Token kinds of the DOT lexer. `id` covers identifiers, numerals, quoted and HTML strings. */
export type DotTokenKind = 'id' | '{' | '}' | '[' | ']' | '=' | ';' | ',' | ':' | '+' | '->' | '--' | 'eof';

/** One token; `offset` points into the full input text. */
export interface DotToken {
  kind: DotTokenKind;
  /** Unescaped value for `id` tokens; the punctuation itself otherwise. */
  value: string;
  /** `'plain'` identifiers and numerals can be keywords; quoted and HTML strings never are. */
  quoting: 'plain' | 'quoted' | 'html';
  offset: number;
}

/**
 * Maps character offsets to 1-based line / column, and builds errors that quote the line.
 *
 * @example
 * ```ts
 * new SourceMap('a\nb').position(2); // { line: 2, column: 1 }
 * ```
 */
export class SourceMap {
  private readonly starts: number[] = [0];

  constructor(readonly text: string) {
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) this.starts.push(i + 1);
  }

  /** 1-based line and column of an offset. */
  position(offset: number): { line: number; column: number } {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - this.starts[lo] + 1 };
  }

  /** Text of a 1-based line, without its newline (and without a trailing CR). */
  lineText(line: number): string | undefined {
    if (line < 1 || line > this.starts.length) return undefined;
    const end = line < this.starts.length ? this.starts[line] - 1 : this.text.length;
    return this.text.slice(this.starts[line - 1], end).replace(/\r$/, '');
  }

  /** A {@link DotSyntaxError} at `offset`. */
  error(problem: string, offset: number): DotSyntaxError {
    const { line, column } = this.position(Math.min(offset, this.text.length));
    return new DotSyntaxError(problem, line, column, this.lineText(line));
  }
}

const C_NL = 10;
const C_SPACE = 32;

function isIdStart(c: number): boolean {
  if (c < 128) return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
  // Non-ASCII letters are ID characters in DOT; arrows, curly quotes and NBSP are handled as punctuation.
  return c !== 0x2192 && c !== 0x201c && c !== 0x201d && c !== 0xa0 && c !== 0xfeff;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function isIdPart(c: number): boolean {
  return isIdStart(c) || isDigit(c);
}

/**
 * Lazy DOT tokenizer: tokens are produced on demand from `start`, so text after the graph's closing brace (model
 * chatter, a closing code fence) is never scanned. Tolerances beyond the DOT grammar: `#` comment lines anywhere,
 * curly quotes as string delimiters, and `-` / `.` inside identifiers (`step-1`, `s1.2`), which models often write.
 *
 * @example
 * ```ts
 * const lex = new DotLexer(new SourceMap('a -> b'));
 * lex.next().value; // 'a'
 * ```
 */
export class DotLexer {
  private pos: number;
  private peeked: DotToken | null = null;

  constructor(
    private readonly src: SourceMap,
    start = 0,
  ) {
    this.pos = start;
  }

  /** The next token without consuming it. */
  peek(): DotToken {
    if (this.peeked === null) this.peeked = this.scan();
    return this.peeked;
  }

  /** Consume and return the next token. */
  next(): DotToken {
    const t = this.peek();
    this.peeked = null;
    return t;
  }

  /** Offset just past the last consumed token (where unparsed text begins). */
  get offset(): number {
    return this.peeked ? this.peeked.offset : this.pos;
  }

  private skipTrivia(): void {
    const s = this.src.text;
    const n = s.length;
    while (this.pos < n) {
      const c = s.charCodeAt(this.pos);
      if (c <= C_SPACE || c === 0xa0 || c === 0xfeff) {
        this.pos++;
      } else if (c === 47 /* / */ && s.charCodeAt(this.pos + 1) === 47) {
        const e = s.indexOf('\n', this.pos);
        this.pos = e < 0 ? n : e;
      } else if (c === 47 && s.charCodeAt(this.pos + 1) === 42 /* * */) {
        const e = s.indexOf('*/', this.pos + 2);
        if (e < 0) throw this.src.error("unterminated /* comment; close it with '*/'", this.pos);
        this.pos = e + 2;
      } else if (c === 35 /* # */) {
        // Graphviz treats '#' lines as C-preprocessor output; models also use '#' for comments.
        const e = s.indexOf('\n', this.pos);
        this.pos = e < 0 ? n : e;
      } else {
        return;
      }
    }
  }

  private scan(): DotToken {
    this.skipTrivia();
    const s = this.src.text;
    const start = this.pos;
    // End-of-input errors point just after the last visible character, not at a blank last line.
    if (start >= s.length) return { kind: 'eof', value: '', quoting: 'plain', offset: s.trimEnd().length };
    const c = s.charCodeAt(start);
    // (No closures here: this runs once per token.)
    switch (c) {
      case 123:
        return this.punct('{', start);
      case 125:
        return this.punct('}', start);
      case 91:
        return this.punct('[', start);
      case 93:
        return this.punct(']', start);
      case 61:
        return this.punct('=', start);
      case 59:
        return this.punct(';', start);
      case 44:
        return this.punct(',', start);
      case 58:
        return this.punct(':', start);
      case 43:
        return this.punct('+', start);
      case 34 /* " */:
        return this.quoted(start, '"');
      case 0x201c /* “ */:
        return this.quoted(start, '\u201d');
      case 60 /* < */:
        return this.html(start);
      default:
        break;
    }
    if (c === 45 /* - */) {
      const d = s.charCodeAt(start + 1);
      if (d === 62 /* > */) return this.punct('->', start, 2);
      if (d === 45) return this.punct('--', start, 2);
      if (isDigit(d) || d === 46) return this.numeral(start);
      throw this.src.error(
        `unexpected '-'; edges are written 'a -> b' (or 'a -- b' in an undirected graph)`,
        start,
      );
    }
    if (c === 0x2192 /* → */) {
      // Models sometimes "prettify" arrows.
      return this.punct('->', start);
    }
    if (isDigit(c) || c === 46) return this.numeral(start);
    if (isIdStart(c)) return this.identifier(start);
    const ch = String.fromCodePoint(s.codePointAt(start)!);
    throw this.src.error(`unexpected character '${ch}'; quote IDs and values that contain it ("...")`, start);
  }

  private punct(kind: DotTokenKind, start: number, len = 1): DotToken {
    this.pos = start + len;
    return { kind, value: kind, quoting: 'plain', offset: start };
  }

  private identifier(start: number): DotToken {
    const s = this.src.text;
    let i = start + 1;
    for (;;) {
      const c = s.charCodeAt(i);
      if (isIdPart(c)) {
        i++;
      } else if ((c === 45 || c === 46) && isIdPart(s.charCodeAt(i + 1))) {
        // `step-1`, `s1.2`: not DOT, but unambiguous (an edge op needs '->' or '--').
        i += 2;
      } else {
        break;
      }
    }
    this.pos = i;
    return { kind: 'id', value: s.slice(start, i), quoting: 'plain', offset: start };
  }

  private numeral(start: number): DotToken {
    const s = this.src.text;
    let i = start;
    if (s.charCodeAt(i) === 45) i++;
    let digits = 0;
    while (isDigit(s.charCodeAt(i))) {
      i++;
      digits++;
    }
    if (s.charCodeAt(i) === 46) {
      i++;
      while (isDigit(s.charCodeAt(i))) {
        i++;
        digits++;
      }
    }
    if (digits === 0) throw this.src.error('a numeral needs digits; quote the value if it is text', start);
    // `1a` style ids: keep reading identifier characters so `2nd_try` is one id.
    while (isIdPart(s.charCodeAt(i))) i++;
    this.pos = i;
    return { kind: 'id', value: s.slice(start, i), quoting: 'plain', offset: start };
  }

  private quoted(start: number, close: string): DotToken {
    const s = this.src.text;
    const closeCode = close.charCodeAt(0);
    let out = '';
    let i = start + 1;
    let segStart = i;
    for (;;) {
      if (i >= s.length) {
        throw this.src.error(`unterminated string; add the closing '${close}'`, start);
      }
      const c = s.charCodeAt(i);
      if (c === closeCode) break;
      if (c === 92 /* \ */) {
        const d = s.charCodeAt(i + 1);
        if (d === 34) {
          // \" is the only escape DOT itself resolves; other escapes (\n, \l) belong to the label.
          out += `${s.slice(segStart, i)}"`;
          i += 2;
          segStart = i;
          continue;
        }
        if (d === C_NL || (d === 13 && s.charCodeAt(i + 2) === C_NL)) {
          // Backslash-newline continues the string on the next line.
          out += s.slice(segStart, i);
          i += d === C_NL ? 2 : 3;
          segStart = i;
          continue;
        }
        i += 2;
        continue;
      }
      i++;
    }
    out += s.slice(segStart, i);
    this.pos = i + 1;
    return { kind: 'id', value: out, quoting: 'quoted', offset: start };
  }

  private html(start: number): DotToken {
    const s = this.src.text;
    let depth = 0;
    let i = start;
    for (; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c === 60) depth++;
      else if (c === 62 && --depth === 0) break;
    }
    if (i >= s.length) throw this.src.error("unterminated HTML string; balance its '<' and '>'", start);
    this.pos = i + 1;
    return { kind: 'id', value: s.slice(start + 1, i), quoting: 'html', offset: start };
  }
}
