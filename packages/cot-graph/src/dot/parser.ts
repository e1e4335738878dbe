import { DotLexer, type DotToken, SourceMap } from './lexer.js';

/** Attribute name -> value, as written (values unescaped only for `\"`). */
export type DotAttributes = Record<string, string>;

/** A node: its effective attributes (defaults in scope at creation, then its own lists) and where it first appears. */
export interface DotNode {
  /** The node ID, unquoted (ports such as `a:n` are dropped). */
  id: string;
  /** Effective attributes: the `node [...]` defaults in scope when first mentioned, then its own lists. */
  attributes: DotAttributes;
  /** Names of attributes whose value was an HTML string (`label=<<b>x</b>>`). */
  htmlAttributes: string[];
  /** 1-based line of the first mention. */
  line: number;
}

/** One edge `from -> to` (chains and subgraph endpoints are expanded into single edges). */
export interface DotEdge {
  /** ID of the tail node. */
  from: string;
  /** ID of the head node. */
  to: string;
  /** Effective attributes: the `edge [...]` defaults in scope, then the statement's own lists. */
  attributes: DotAttributes;
  /** 1-based line where the edge statement starts. */
  line: number;
}

/** A subgraph or anonymous `{ ... }` block and the node ids mentioned inside it (nested blocks included). */
export interface DotSubgraph {
  /** The subgraph's ID (`subgraph cluster_0 {`), or null for an anonymous block. */
  id: string | null;
  /** IDs of the nodes mentioned inside, nested blocks included, each once, in order of mention. */
  nodes: string[];
  /** Graph attributes set inside the block (`label=...`, `graph [...]`), not inherited from outside. */
  attributes: DotAttributes;
  /** 1-based line of the block's opening `{`. */
  line: number;
}

/** Something the parser tolerated but a strict Graphviz might not have. */
export interface DotWarning {
  /** 1-based line the warning is about. */
  line: number;
  /** What was tolerated, e.g. `ignored text before the graph header`. */
  message: string;
}

/** A parsed DOT graph. */
export interface DotDocument {
  /** Whether the header began with `strict` (Graphviz then merges duplicate edges; the parser keeps them). */
  strict: boolean;
  /** True for `digraph`, false for `graph`. */
  directed: boolean;
  /** The graph's ID after the header keyword, or null when it has none. */
  id: string | null;
  /** Graph attributes set at the top level (`rankdir=TB`, `graph [...]`). */
  attributes: DotAttributes;
  /** Nodes in order of first mention. */
  nodes: DotNode[];
  /** Edges in source order, chains and subgraph endpoints expanded into single edges. */
  edges: DotEdge[];
  /** Subgraphs and anonymous blocks, in the order they close (inner blocks before the block around them). */
  subgraphs: DotSubgraph[];
  /** What the parser tolerated, in the order met. */
  warnings: DotWarning[];
}

interface Scope {
  nodeDefaults: DotAttributes;
  nodeHtml: string[];
  edgeDefaults: DotAttributes;
  graphAttributes: DotAttributes;
  members: string[];
}

const KEYWORDS = new Set(['node', 'edge', 'graph', 'digraph', 'subgraph', 'strict']);

// Header: optional `strict`, `graph` or `digraph`, an optional ID, then `{`. The leading class keeps `subgraph`
// and words like `paragraph` from matching.
const HEADER =
  /(?:^|[^\w"\u0080-\uffff])((?:strict\s+)?(?:di)?graph)(?:\s+(?:[A-Za-z_\u0080-\uffff][\w\u0080-\uffff]*|-?\d+(?:\.\d*)?|"(?:[^"\\]|\\.)*"))?\s*\{/i;
// Fallback so that a broken header ("digraph G [") still gets a precise error: `digraph` anywhere, or `graph` at
// the start of a line (prose such as "a graph for this trace" must not count).
const LOOSE_HEADER = /(?:^|\n)[ \t]*(?:strict\s+)?(?:di)?graph\b|\bdigraph\b/i;

function describe(t: DotToken): string {
  if (t.kind === 'eof') return 'the end of the input';
  if (t.kind === 'id') return t.quoting === 'quoted' ? `"${t.value}"` : `'${t.value}'`;
  return `'${t.value}'`;
}

/**
 * Parse Graphviz DOT as language models write it. Tolerates: text and code fences before and after the graph,
 * `//`, `/* *\/` and `#` comments, quoted / HTML / numeral IDs, `"a" + "b"` concatenation, ports (`a:n`, ignored),
 * attribute lists separated by `,` or `;` and repeated `[..][..]`, default attribute statements scoped to
 * subgraphs, anonymous `{ }` blocks, edge chains `a -> b -> c`, subgraph endpoints `a -> { b c }`, `--` in a
 * digraph (read as `->`), `->` in an undirected graph, `step-1` style IDs and `→` arrows.
 *
 * @throws {DotSyntaxError} with the 1-based line and column of the problem, the offending line quoted, and a fix.
 *
 * @example
 * ```ts
 * const doc = parseDot('```dot\ndigraph { node [fillcolor=lightblue]; a -> b -> c; b [fillcolor=lightpink] }\n```');
 * doc.edges.length;                 // 2
 * doc.nodes[1].attributes.fillcolor; // 'lightpink'
 * ```
 */
export function parseDot(text: string): DotDocument {
  return new Parser(text).parse();
}

class Parser {
  private readonly src: SourceMap;
  private lex!: DotLexer;
  private readonly nodes = new Map<string, DotNode>();
  private readonly edges: DotEdge[] = [];
  private readonly subgraphs: DotSubgraph[] = [];
  private readonly warnings: DotWarning[] = [];
  private directed = true;
  private warnedOp = false;

  constructor(private readonly text: string) {
    this.src = new SourceMap(text);
  }

  parse(): DotDocument {
    const m = HEADER.exec(this.text) ?? LOOSE_HEADER.exec(this.text);
    if (!m) {
      const firstText = this.text.search(/\S/);
      throw this.src.error(
        "no 'digraph' (or 'graph') header found; the output must contain a Graphviz graph such as 'digraph G { a -> b; }'",
        Math.max(firstText, 0),
      );
    }
    // m[0] may begin with the separating character; start at the keyword itself.
    const kwOffset = m.index + m[0].search(/strict|digraph|graph/i);
    this.lex = new DotLexer(this.src, kwOffset);
    if (kwOffset > 0) {
      const before = this.text
        .slice(0, kwOffset)
        .replace(/```[\w-]*/g, '')
        .replace(/\/\*[\s\S]*?\*\//g, '')
        .replace(/^\s*(?:#|\/\/).*$/gm, '')
        .trim();
      if (before !== '') this.warn(this.text.search(/\S/), 'ignored text before the graph header');
    }

    let t = this.lex.next();
    let strict = false;
    if (this.isKeyword(t, 'strict')) {
      strict = true;
      t = this.lex.next();
    }
    if (this.isKeyword(t, 'digraph')) this.directed = true;
    else if (this.isKeyword(t, 'graph')) this.directed = false;
    else throw this.src.error(`expected 'digraph' or 'graph', got ${describe(t)}`, t.offset);
    let id: string | null = null;
    if (this.lex.peek().kind === 'id' && !this.isAnyKeyword(this.lex.peek())) id = this.parseId();
    const open = this.lex.next();
    if (open.kind !== '{') {
      throw this.src.error(`expected '{' to open the graph body, got ${describe(open)}`, open.offset);
    }
    const root: Scope = {
      nodeDefaults: {},
      nodeHtml: [],
      edgeDefaults: {},
      graphAttributes: {},
      members: [],
    };
    this.parseStmtList(root, open);
    this.lex.next(); // the closing '}'
    const tail = this.text.slice(this.lex.offset);
    if (tail.replace(/```/g, '').trim() !== '') {
      this.warn(this.lex.offset + tail.search(/[^\s`]/), 'ignored text after the closing brace of the graph');
    }
    return {
      strict,
      directed: this.directed,
      id,
      attributes: root.graphAttributes,
      nodes: [...this.nodes.values()],
      edges: this.edges,
      subgraphs: this.subgraphs,
      warnings: this.warnings,
    };
  }

  private warn(offset: number, message: string): void {
    this.warnings.push({ line: this.src.position(offset).line, message });
  }

  private isKeyword(t: DotToken, kw: string): boolean {
    return t.kind === 'id' && t.quoting === 'plain' && t.value.toLowerCase() === kw;
  }

  private isAnyKeyword(t: DotToken): boolean {
    return t.kind === 'id' && t.quoting === 'plain' && KEYWORDS.has(t.value.toLowerCase());
  }

  /** Statements up to (not including) the '}' matching `open`. */
  private parseStmtList(scope: Scope, open: DotToken): void {
    for (;;) {
      const t = this.lex.peek();
      if (t.kind === '}') return;
      if (t.kind === 'eof') {
        const { line, column } = this.src.position(open.offset);
        throw this.src.error(
          `reached the end of the input, but the '{' opened at line ${line}, column ${column} is never closed; add '}'`,
          t.offset,
        );
      }
      if (t.kind === ';' || t.kind === ',') {
        this.lex.next();
        continue;
      }
      this.parseStmt(scope);
    }
  }

  private parseStmt(scope: Scope): void {
    const t = this.lex.peek();
    if (t.kind === 'id' && t.quoting === 'plain') {
      const kw = t.value.toLowerCase();
      if (kw === 'node' || kw === 'edge' || kw === 'graph') {
        this.lex.next();
        if (this.lex.peek().kind !== '[') {
          throw this.src.error(
            `expected '[' after '${t.value}' (default attributes look like '${kw} [fillcolor=lightblue]'), got ${describe(this.lex.peek())}`,
            this.lex.peek().offset,
          );
        }
        const attrs = this.parseAttrLists(kw === 'node' ? scope.nodeHtml : undefined);
        const target =
          kw === 'node' ? scope.nodeDefaults : kw === 'edge' ? scope.edgeDefaults : scope.graphAttributes;
        Object.assign(target, attrs);
        return;
      }
      if (kw === 'subgraph') {
        const members = this.parseSubgraph(scope);
        this.maybeEdgeStmt(scope, members, t);
        return;
      }
      if (kw === 'digraph' || kw === 'strict') {
        throw this.src.error(
          `unexpected '${t.value}' inside the graph body; a DOT text holds one graph (is a '}' missing above?)`,
          t.offset,
        );
      }
    }
    if (t.kind === '{') {
      const members = this.parseSubgraph(scope);
      this.maybeEdgeStmt(scope, members, t);
      return;
    }
    if (t.kind !== 'id') {
      const hint =
        t.kind === '->' || t.kind === '--'
          ? 'an edge needs a node ID before the arrow'
          : t.kind === '['
            ? 'an attribute list must follow a node ID, an edge, or node / edge / graph'
            : t.kind === '='
              ? "an attribute needs a name before '='"
              : 'expected a node, edge, attribute or subgraph statement';
      throw this.src.error(`unexpected ${describe(t)}; ${hint}`, t.offset);
    }
    const id = this.parseId();
    if (this.lex.peek().kind === '=') {
      this.lex.next();
      const v = this.lex.peek();
      if (v.kind !== 'id') {
        throw this.src.error(`expected a value after '${id}=', got ${describe(v)}`, v.offset);
      }
      scope.graphAttributes[id] = this.parseId();
      return;
    }
    this.skipPort();
    this.ensureNode(id, scope, t.offset);
    const k = this.lex.peek().kind;
    if (k === '->' || k === '--') {
      this.maybeEdgeStmt(scope, [id], t);
      return;
    }
    const node = this.nodes.get(id)!;
    const attrs = this.parseAttrLists(node.htmlAttributes);
    Object.assign(node.attributes, attrs);
  }

  /** If an edge operator follows, parse the rest of an edge chain whose first endpoint is `first`. */
  private maybeEdgeStmt(scope: Scope, first: string[], startTok: DotToken): void {
    const groups: string[][] = [first];
    for (;;) {
      const op = this.lex.peek();
      if (op.kind !== '->' && op.kind !== '--') break;
      this.lex.next();
      if (!this.warnedOp && ((op.kind === '--' && this.directed) || (op.kind === '->' && !this.directed))) {
        this.warnedOp = true;
        this.warn(
          op.offset,
          op.kind === '--'
            ? "'--' in a digraph; read as '->'"
            : "'->' in an undirected graph; edges are read as directed, in the order written",
        );
      }
      const t = this.lex.peek();
      if (t.kind === '{' || this.isKeyword(t, 'subgraph')) {
        groups.push(this.parseSubgraph(scope));
      } else if (t.kind === 'id' && !this.isAnyKeyword(t)) {
        const id = this.parseId();
        this.skipPort();
        this.ensureNode(id, scope, t.offset);
        groups.push([id]);
      } else {
        throw this.src.error(`expected a node ID or '{' after '${op.value}', got ${describe(t)}`, t.offset);
      }
    }
    if (groups.length === 1) {
      // A subgraph on its own, or one followed by an attribute list (which DOT does not allow).
      if (this.lex.peek().kind === '[') {
        throw this.src.error(
          'an attribute list cannot follow a subgraph; put the attributes inside it',
          this.lex.peek().offset,
        );
      }
      return;
    }
    const attrs = { ...scope.edgeDefaults, ...this.parseAttrLists() };
    const line = this.src.position(startTok.offset).line;
    for (let g = 0; g + 1 < groups.length; g++) {
      for (const from of groups[g]) {
        for (const to of groups[g + 1]) this.edges.push({ from, to, attributes: { ...attrs }, line });
      }
    }
  }

  private parseSubgraph(scope: Scope): string[] {
    let t = this.lex.next();
    let id: string | null = null;
    if (this.isKeyword(t, 'subgraph')) {
      const p = this.lex.peek();
      if (p.kind === 'id' && !this.isAnyKeyword(p)) id = this.parseId();
      t = this.lex.next();
    }
    if (t.kind !== '{') {
      throw this.src.error(
        `expected '{' to open the subgraph${id ? ` '${id}'` : ''}, got ${describe(t)}`,
        t.offset,
      );
    }
    const child: Scope = {
      nodeDefaults: { ...scope.nodeDefaults },
      nodeHtml: [...scope.nodeHtml],
      edgeDefaults: { ...scope.edgeDefaults },
      graphAttributes: {},
      members: [],
    };
    this.parseStmtList(child, t);
    this.lex.next();
    const members = [...new Set(child.members)];
    this.subgraphs.push({
      id,
      nodes: members,
      attributes: child.graphAttributes,
      line: this.src.position(t.offset).line,
    });
    scope.members.push(...members);
    return members;
  }

  /** Attribute lists `[..][..]`; names of HTML-valued attributes are added to `html` when given. */
  private parseAttrLists(html?: string[]): DotAttributes {
    const attrs: DotAttributes = {};
    while (this.lex.peek().kind === '[') {
      const open = this.lex.next();
      let lastKey: string | null = null;
      let lastValueTok: DotToken | null = null;
      for (;;) {
        const t = this.lex.peek();
        if (t.kind === ']') {
          this.lex.next();
          break;
        }
        if (t.kind === ',' || t.kind === ';') {
          this.lex.next();
          continue;
        }
        if (t.kind === 'eof' || t.kind === '}' || t.kind === '[') {
          const { line, column } = this.src.position(open.offset);
          throw this.src.error(
            `the attribute list opened at line ${line}, column ${column} is not closed; add ']' before ${describe(t)}`,
            t.offset,
          );
        }
        if (t.kind !== 'id') {
          throw this.src.error(`expected an attribute name or ']', got ${describe(t)}`, t.offset);
        }
        const keyTok = this.lex.peek();
        const key = this.parseId();
        const eq = this.lex.peek();
        if (eq.kind === '[' || eq.kind === '}' || eq.kind === 'eof') {
          const { line, column } = this.src.position(open.offset);
          throw this.src.error(
            `the attribute list opened at line ${line}, column ${column} is not closed; add ']' before ${describe(keyTok)}`,
            keyTok.offset,
          );
        }
        if (eq.kind !== '=') {
          const hint =
            lastKey !== null && lastValueTok?.quoting === 'plain'
              ? `; if '${key}' continues the value of '${lastKey}', quote the whole value (${lastKey}="${lastValueTok.value} ${key} ...")`
              : ` (attributes are written name=value, e.g. fillcolor=lightpink)`;
          throw this.src.error(
            `expected '=' after attribute name '${key}', got ${describe(eq)}${hint}`,
            eq.offset,
          );
        }
        this.lex.next();
        const v = this.lex.peek();
        if (v.kind !== 'id') {
          throw this.src.error(
            `expected a value after '${key}=', got ${describe(v)}; quote empty values ("")`,
            v.offset,
          );
        }
        lastValueTok = v;
        attrs[key] = this.parseId();
        if (html) {
          const at = html.indexOf(key);
          if (v.quoting === 'html' && at < 0) html.push(key);
          else if (v.quoting !== 'html' && at >= 0) html.splice(at, 1);
        }
        lastKey = key;
      }
    }
    return attrs;
  }

  /** An ID, with `"a" + "b"` concatenation. */
  private parseId(): string {
    let value = this.lex.next().value;
    while (this.lex.peek().kind === '+') {
      const plus = this.lex.next();
      const t = this.lex.next();
      if (t.kind !== 'id')
        throw this.src.error(
          `expected a string after '+', got ${describe(t)}`,
          t.kind === 'eof' ? plus.offset : t.offset,
        );
      value += t.value;
    }
    return value;
  }

  /** `:port` and `:port:compass` after a node ID carry no meaning for reasoning graphs: skip them. */
  private skipPort(): void {
    for (let i = 0; i < 2 && this.lex.peek().kind === ':'; i++) {
      const colon = this.lex.next();
      const t = this.lex.next();
      if (t.kind !== 'id')
        throw this.src.error(
          `expected a port name after ':', got ${describe(t)}`,
          t.kind === 'eof' ? colon.offset : t.offset,
        );
    }
  }

  private ensureNode(id: string, scope: Scope, offset: number): void {
    if (!this.nodes.has(id)) {
      this.nodes.set(id, {
        id,
        attributes: { ...scope.nodeDefaults },
        htmlAttributes: [...scope.nodeHtml],
        line: this.src.position(offset).line,
      });
    }
    scope.members.push(id);
  }
}
