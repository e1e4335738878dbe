import type { GenerateOptions, Generation, LanguageModel, Prompt } from '@proj/models';
import { describe, expect, it } from 'vitest';
import { CotInputError } from '../errors.js';
import { ReasoningGraph, type ReasoningNode } from '../graph/graph.js';
import { chatPrefillTemplate, continueFromPrefix } from './continue.js';
import { heuristicBranchSummary, llmBranchSummarizer, pruneFailedBranches } from './prune.js';

const trace = [
  'Setup: let x be the unknown.',
  'Try x = 1: 1 + 1 = 2, too small.',
  'Try x = 5: 5 + 5 = 10, too big.',
  'Solve: 2x = 6 so x = 3.',
  'Answer: 3.',
].join('\n\n');
const span = (s: string) => ({ start: trace.indexOf(s), end: trace.indexOf(s) + s.length });
const node = (
  id: string,
  text: string,
  status: 'successful' | 'failed',
  kind: ReasoningNode['kind'] = 'step',
): ReasoningNode => ({
  id,
  text,
  status,
  kind,
  span: kind === 'problem' ? null : span(text),
});
const graph = new ReasoningGraph(
  [
    node('p', '', 'successful', 'problem'),
    node('s1', 'Setup: let x be the unknown.', 'successful'),
    node('s2', 'Try x = 1: 1 + 1 = 2, too small.', 'failed'),
    node('s3', 'Try x = 5: 5 + 5 = 10, too big.', 'failed'),
    node('s4', 'Solve: 2x = 6 so x = 3.', 'successful'),
    node('a', 'Answer: 3.', 'successful', 'answer'),
  ],
  [
    { from: 'p', to: 's1' },
    { from: 's1', to: 's2' },
    { from: 's1', to: 's3' },
    { from: 's1', to: 's4' },
    { from: 's4', to: 'a' },
  ],
);

describe('pruneFailedBranches (expected prefixes written by hand)', () => {
  it('first: cuts at the end of the first failed branch and removes it', async () => {
    const r = await pruneFailedBranches(trace, graph, { which: 'first' });
    expect(r.prefix).toBe('Setup: let x be the unknown.\n\n');
    expect(r).toMatchObject({
      edited: true,
      removed: [span('Try x = 1: 1 + 1 = 2, too small.')],
      cutAt: span('Try x = 1: 1 + 1 = 2, too small.').end,
    });
  });

  it('last (default): keeps earlier failures, removes the last branch', async () => {
    const r = await pruneFailedBranches(trace, graph);
    expect(r.prefix).toBe('Setup: let x be the unknown.\n\nTry x = 1: 1 + 1 = 2, too small.\n\n');
    expect(r.branches.map((b) => b.root)).toEqual(['s3']);
  });

  it('all: removes every failed branch; keepSuffix keeps the rest of the trace', async () => {
    expect((await pruneFailedBranches(trace, graph, { which: 'all' })).prefix).toBe(
      'Setup: let x be the unknown.\n\n',
    );
    expect((await pruneFailedBranches(trace, graph, { which: 'all', keepSuffix: true })).prefix).toBe(
      'Setup: let x be the unknown.\n\nSolve: 2x = 6 so x = 3.\n\nAnswer: 3.',
    );
  });

  it('replaces branches by one-line summaries', async () => {
    const r = await pruneFailedBranches(trace, graph, { which: 'last', summary: 'heuristic' });
    expect(r.prefix).toBe(
      'Setup: let x be the unknown.\n\nTry x = 1: 1 + 1 = 2, too small.\n\n(Tried: Try x = 5: 5 + 5 = 10, too big. Abandoned.)',
    );
    const seen: string[] = [];
    const r2 = await pruneFailedBranches(trace, graph, {
      which: 'all',
      keepSuffix: true,
      summary: async (text) => {
        seen.push(text);
        return `[dropped ${seen.length}]`;
      },
    });
    expect(seen).toEqual(['Try x = 1: 1 + 1 = 2, too small.', 'Try x = 5: 5 + 5 = 10, too big.']);
    expect(r2.prefix).toBe(
      'Setup: let x be the unknown.\n\n[dropped 1]\n\n[dropped 2]\n\nSolve: 2x = 6 so x = 3.\n\nAnswer: 3.',
    );
    expect(r2.summaries).toEqual(['[dropped 1]', '[dropped 2]']);
  });

  it('removing a leading branch leaves no leading blank lines', async () => {
    const t = 'Try x = 2: too small.\n\nSo x = 3.\n\nThe answer is 3.';
    const g = new ReasoningGraph(
      [
        { id: 'p', text: '', kind: 'problem', status: 'successful', span: null },
        { id: 'f', text: '', kind: 'step', status: 'failed', span: { start: 0, end: 21 } },
        { id: 's', text: '', kind: 'step', status: 'successful', span: { start: 23, end: 32 } },
        { id: 'a', text: '', kind: 'answer', status: 'successful', span: { start: 34, end: 50 } },
      ],
      [
        { from: 'p', to: 'f' },
        { from: 'p', to: 's' },
        { from: 's', to: 'a' },
      ],
    );
    expect((await pruneFailedBranches(t, g, { keepSuffix: true })).prefix).toBe(
      'So x = 3.\n\nThe answer is 3.',
    );
    expect((await pruneFailedBranches(t, g)).prefix).toBe('');
  });

  it('removes mid-paragraph spans without leaving double spaces', async () => {
    const t = 'A holds. B fails here. C holds.';
    const g = new ReasoningGraph(
      [
        { id: 'p', text: '', kind: 'problem', status: 'successful', span: null },
        { id: 'b', text: 'B', kind: 'step', status: 'failed', span: { start: 9, end: 22 } },
        { id: 'a', text: '', kind: 'answer', status: 'successful', span: { start: 23, end: 31 } },
      ],
      [
        { from: 'p', to: 'b' },
        { from: 'p', to: 'a' },
      ],
    );
    expect((await pruneFailedBranches(t, g, { keepSuffix: true })).prefix).toBe('A holds. C holds.');
  });

  it('returns the trace unchanged without failures, and rejects graphs without spans', async () => {
    const clean = new ReasoningGraph(
      graph.nodes.map((n) => ({ ...n, status: 'successful' as const })),
      graph.edges,
    );
    expect(await pruneFailedBranches(trace, clean)).toMatchObject({ prefix: trace, edited: false });
    const noSpans = new ReasoningGraph(
      graph.nodes.map((n) => ({ ...n, span: null })),
      graph.edges,
    );
    await expect(pruneFailedBranches(trace, noSpans)).rejects.toThrow(/Failed node 's2' has no span/);
    await expect(pruneFailedBranches(trace, graph, { which: 'middle' as never })).rejects.toThrow(
      CotInputError,
    );
  });

  it('heuristic summaries shorten long first sentences', () => {
    expect(heuristicBranchSummary('Let me try x = 2. Then 2x = 4, too small.')).toBe(
      '(Tried: Let me try x = 2. Abandoned.)',
    );
    expect(heuristicBranchSummary('a'.repeat(200))).toBe(`(Tried: ${'a'.repeat(117)}... Abandoned.)`);
  });
});

class EchoModel implements LanguageModel {
  readonly id = 'echo';
  readonly capabilities = { logits: false, logprobs: false };
  prompts: Prompt[] = [];
  constructor(private readonly texts: string[]) {}
  async generate(prompts: readonly Prompt[], options?: GenerateOptions): Promise<Generation[][]> {
    this.prompts.push(...prompts);
    const n = options?.n ?? 1;
    return prompts.map(() =>
      this.texts
        .slice(0, n)
        .map((text) => ({ text, tokenIds: [], logprobs: [], finishReason: 'stop' as const })),
    );
  }
}

describe('continuation', () => {
  it('continues the edited prefix with any LanguageModel', async () => {
    const model = new EchoModel([' x = 3.', ' x = 4.']);
    const r = await continueFromPrefix(
      model,
      { problem: 'Solve 2x = 6.', prefix: 'Setup.\n\n' },
      { n: 2, seed: 1 },
    );
    expect(model.prompts[0]).toBe('Solve 2x = 6.\n\n<think>\nSetup.\n\n');
    expect(r.traces).toEqual(['Setup.\n\n x = 3.', 'Setup.\n\n x = 4.']);
    await continueFromPrefix(model, { problem: 'Q', prefix: 'P' }, { template: chatPrefillTemplate });
    expect(model.prompts[1]).toEqual([
      { role: 'user', content: 'Q' },
      { role: 'assistant', content: 'P' },
    ]);
    await expect(continueFromPrefix(model, { problem: 1 as never, prefix: '' })).rejects.toThrow(
      CotInputError,
    );
  });

  it('an LLM summarizer returns the first line, falling back to the heuristic on empty output', async () => {
    expect(
      await llmBranchSummarizer(new EchoModel(['Guessed x = 5; too big.\nmore']))('Try x = 5.', {
        root: 's',
        nodes: [],
        span: null,
      }),
    ).toBe('Guessed x = 5; too big.');
    expect(
      await llmBranchSummarizer(new EchoModel(['  ']))('Try x = 5.', { root: 's', nodes: [], span: null }),
    ).toBe('(Tried: Try x = 5. Abandoned.)');
  });
});
