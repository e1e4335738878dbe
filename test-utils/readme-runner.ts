import { readFileSync } from 'node:fs';
import ts from 'typescript';

/**
 * Runs the ```ts code blocks of a package README as written, for the README tests: each block is transpiled by the
 * TypeScript compiler, its imports are bound to modules the test provides, and the value of every top-level
 * expression statement is recorded so tests can check what the README's comments say it evaluates to.
 */

/** The ```ts blocks of a README, in order. */
export function readmeBlocks(url: URL): string[] {
  return [...readFileSync(url, 'utf8').matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
}

/** The one block containing `marker`. */
export function blockWith(blocks: readonly string[], marker: string): string {
  const found = blocks.filter((b) => b.includes(marker));
  if (found.length !== 1) throw new Error(`${found.length} README blocks contain '${marker}'.`);
  return found[0];
}

/** What running a README block gives: the named variables, and the value of each expression statement. */
export interface BlockRun {
  vars: Record<string, unknown>;
  /** The last value of the expression statement with this source text (outside functions), e.g. `topK(x, 2).indices`. */
  expr(text: string): unknown;
}

/**
 * Run README code (TypeScript with imports) as the body of an async function. Expression statements outside
 * functions (`softmax(logits); // ...`) are recorded by their source text, so tests can check what the comments
 * say they evaluate to.
 */
export async function runReadmeBlock(
  code: string,
  modules: Record<string, object>,
  names: readonly string[] = [],
): Promise<BlockRun> {
  const source = ts.createSourceFile('readme.ts', code, ts.ScriptTarget.ES2022, true);
  const edits: { start: number; end: number; text: string }[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node)) return;
    if (ts.isExpressionStatement(node)) {
      const text = node.expression.getText(source);
      edits.push({
        start: node.expression.getStart(source),
        end: node.expression.getEnd(),
        text: `__record(${JSON.stringify(text)}, ${text})`,
      });
      return;
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  let wrapped = code;
  for (const e of edits.sort((a, b) => b.start - a.start))
    wrapped = wrapped.slice(0, e.start) + e.text + wrapped.slice(e.end);
  const js = ts.transpileModule(wrapped, {
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext },
  }).outputText;
  const body = js.replace(/import\s*\{([^}]*)\}\s*from\s*'([^']+)';?/g, (_m, list: string, from: string) => {
    if (!(from in modules))
      throw new Error(`README imports from '${from}', which the test does not provide.`);
    return `const {${list.replace(/\s+as\s+/g, ': ')}} = __modules[${JSON.stringify(from)}];`;
  });
  const values = new Map<string, unknown>();
  const record = (text: string, value: unknown) => {
    values.set(text, value);
    return value;
  };
  const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as new (
    ...args: string[]
  ) => (modules: Record<string, object>, rec: typeof record) => Promise<Record<string, unknown>>;
  const vars = await new AsyncFunction('__modules', '__record', `${body}\nreturn { ${names.join(', ')} };`)(
    modules,
    record,
  );
  return {
    vars,
    expr(text) {
      if (!values.has(text)) throw new Error(`The README block has no expression statement '${text}'.`);
      return values.get(text);
    },
  };
}
