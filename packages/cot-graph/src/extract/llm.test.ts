import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChatMessage, GenerateOptions, Generation, LanguageModel, Prompt } from '@proj/models';
import { describe, expect, it } from 'vitest';
import { CotInputError, ExtractionError } from '../errors.js';
import { parseLabelledTrace } from '../eval/labelled.js';
import { branchCount, failedStepFraction } from '../metrics/structure.js';
import { LlmExtractor } from './llm.js';
import { COT_GRAPH_SYSTEM_PROMPT } from './prompt.js';

const here = import.meta.dirname;
const recorded = (name: string) => readFileSync(join(here, 'fixtures', 'recorded', `${name}.txt`), 'utf8');
const trace = parseLabelledTrace(
  readFileSync(join(here, '..', 'eval', 'fixtures', 'labelled', 'dev', '01-sum-product.txt'), 'utf8'),
).trace;

/** Replays recorded model answers in order and records every prompt it was sent. */
class ReplayModel implements LanguageModel {
  readonly id = 'replay';
  readonly capabilities = { logits: false, logprobs: false };
  readonly prompts: Prompt[] = [];
  readonly options: (GenerateOptions | undefined)[] = [];
  constructor(private readonly answers: (string | { text: string; finishReason: 'stop' | 'length' })[]) {}
  async generate(prompts: readonly Prompt[], options?: GenerateOptions): Promise<Generation[][]> {
    this.prompts.push(...prompts);
    this.options.push(options);
    return prompts.map(() => {
      const a = this.answers.shift();
      if (a === undefined) throw new Error('ReplayModel ran out of recorded answers');
      const { text, finishReason } = typeof a === 'string' ? { text: a, finishReason: 'stop' as const } : a;
      return [{ text, tokenIds: [], logprobs: [], finishReason }];
    });
  }
}

describe('LlmExtractor against recorded DOT answers', () => {
  it('turns a good answer into a validated graph mapped onto the trace', async () => {
    const model = new ReplayModel([recorded('good')]);
    const r = await new LlmExtractor({ model }).extract(trace, {
      problem: 'Two integers: sum 20, product 96.',
    });
    expect(r.attempts).toBe(1);
    expect(r.graph.steps.map((s) => `${s.id}:${s.status[0]}`)).toEqual([
      's1:s',
      's2:f',
      's3:f',
      's4:s',
      's5:f',
      's6:s',
      's7:s',
      's8:s',
    ]);
    // 3 failed of 8 steps; three separate failed branches.
    expect(failedStepFraction(r.graph)).toBe(3 / 8);
    expect(branchCount(r.graph)).toBe(3);
    expect(r.graph.problem?.text).toBe('Two integers: sum 20, product 96.');
    // Spans run from each quote to the next located node (whitespace trimmed); the answer to the end.
    const at = (s: string) => trace.indexOf(s);
    // "Maybe I can just guess. Let me try..." : s2 starts mid-paragraph, after one space.
    expect(r.graph.node('s1').span).toEqual({ start: 0, end: at('Let me try a = 10') - 1 });
    expect(r.graph.node('s4').span).toEqual({
      start: at('Let me set it up properly.'),
      end: at('The discriminant') - 2,
    });
    expect(r.graph.node('answer').span).toEqual({ start: at('So the two numbers'), end: trace.length });
    expect(r.located).toBe(9);
    // One chat call: the package prompt, then the trace; temperature 0.
    const msgs = model.prompts[0] as ChatMessage[];
    expect(msgs[0]).toEqual({ role: 'system', content: COT_GRAPH_SYSTEM_PROMPT });
    expect(msgs[1].content).toContain(trace);
    expect(model.options[0]).toMatchObject({ n: 1, temperature: 0, maxNewTokens: 4096 });
  });

  it('retries after malformed DOT, feeding back the error with its line', async () => {
    const model = new ReplayModel([recorded('malformed'), recorded('good')]);
    const r = await new LlmExtractor({ model }).extract(trace);
    expect(r.attempts).toBe(2);
    const retry = model.prompts[1] as ChatMessage[];
    expect(retry).toHaveLength(4);
    expect(retry[2]).toEqual({ role: 'assistant', content: recorded('malformed') });
    expect(retry[3].content).toContain(
      "DOT syntax error at line 5, column 3: the attribute list opened at line 4, column 11 is not closed; add ']' before 's1'",
    );
  });

  it('retries after a graph that breaks the rules (an orphan step)', async () => {
    const model = new ReplayModel([recorded('two-roots'), recorded('good')]);
    const r = await new LlmExtractor({ model }).extract(trace);
    expect(r.attempts).toBe(2);
    expect((model.prompts[1] as ChatMessage[])[3].content).toContain(
      "Expected one root (node without parents), found 2: 'problem', 's2'",
    );
  });

  it('gives up after maxAttempts with every reason, and says when the answer was cut off', async () => {
    const model = new ReplayModel([
      recorded('malformed'),
      { text: recorded('malformed'), finishReason: 'length' },
    ]);
    const err = await new LlmExtractor({ model, maxAttempts: 2 }).extract(trace).catch((e) => e);
    expect(err).toBeInstanceOf(ExtractionError);
    expect(err.attempts).toHaveLength(2);
    expect(err.attempts[0]).toMatch(/^attempt 1: DOT syntax error at line 5/);
    expect(err.attempts[1]).toContain('cut off at maxNewTokens');
    expect(err.message).toMatch(/no usable reasoning graph in 2 attempt\(s\)/);
  });

  it('extractAll keeps input order under concurrency', async () => {
    const good = recorded('good');
    const model = new ReplayModel([good, good, good]);
    const rs = await new LlmExtractor({ model }).extractAll(
      [
        { trace, problem: 'a' },
        { trace, problem: 'b' },
        { trace, problem: 'c' },
      ],
      { concurrency: 2 },
    );
    expect(rs.map((r) => r.graph.problem?.text)).toEqual(['a', 'b', 'c']);
  });

  it('rejects bad configuration and empty traces', async () => {
    expect(() => new LlmExtractor({} as never)).toThrow(CotInputError);
    expect(() => new LlmExtractor({ model: new ReplayModel([]), maxAttempts: 0 })).toThrow(/maxAttempts/);
    await expect(new LlmExtractor({ model: new ReplayModel([]) }).extract('  ')).rejects.toThrow(
      CotInputError,
    );
  });
});
