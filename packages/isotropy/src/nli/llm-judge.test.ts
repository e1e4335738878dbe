import type { GenerateOptions, Generation, LanguageModel, Prompt } from '@proj/models';
import { describe, expect, it } from 'vitest';
import { AbortError, EntailmentError } from '../errors.js';
import { defaultJudgePrompt, LlmJudgeEntailment, parseJudgement } from './llm-judge.js';

function gen(text: string): Generation {
  return { text, tokenIds: [], logprobs: [], finishReason: 'stop' };
}

/** A fake judge: `reply(prompt, call)` answers each prompt; every generate call is recorded. */
function fakeModel(reply: (prompt: string, call: number) => string) {
  const calls: { prompts: Prompt[]; options: GenerateOptions }[] = [];
  const model: LanguageModel = {
    id: 'fake-judge',
    capabilities: { logits: false, logprobs: false },
    async generate(prompts, options = {}) {
      calls.push({ prompts: [...prompts], options });
      options.signal?.throwIfAborted();
      return prompts.map((p) => [gen(reply(typeof p === 'string' ? p : JSON.stringify(p), calls.length))]);
    },
  };
  return { model, calls };
}

/** Reads the premise and hypothesis back from the default prompt and answers by containment. */
function containment(prompt: string): string {
  const premise = /Premise: (.*)\n\nHypothesis/.exec(prompt)?.[1] ?? '';
  const hypothesis = /Hypothesis: (.*)\n\nDoes/.exec(prompt)?.[1] ?? '';
  return premise.includes(hypothesis) ? 'Yes.' : 'No.';
}

describe('parseJudgement', () => {
  it.each([
    ['yes', 1],
    ['Yes.', 1],
    ['**YES**', 1],
    ['"yes"', 1],
    ['Answer: yes', 1],
    ['Y', 1],
    ['true', 1],
    ['Entailment', 1],
    ['entailed.', 1],
    ['no', 0],
    ['No, it does not.', 0],
    ['N', 0],
    ['not entailed', 0],
    ["doesn't follow", 0],
    ['Contradiction', 0],
    ['neutral', 0],
    ['0.85', 0.85],
    ['.3', 0.3],
    ['85%', 0.85],
    ['Probability: 1', 1],
    ['0', 0],
    ['I think the answer is yes', 1],
    ['I would say no here', 0],
    ['1.5', undefined],
    ['-0.2', undefined],
    ['not sure', undefined],
    ['n/a', undefined],
    ['It depends', undefined],
    ['yes and no', undefined],
    ['Maybe yes, maybe no', undefined],
    ['', undefined],
  ])('%j -> %s', (reply, expected) => {
    expect(parseJudgement(reply)).toBe(expected);
  });
});

describe('LlmJudgeEntailment', () => {
  it('asks the model greedily, in batches, and reads the replies', async () => {
    const { model, calls } = fakeModel((p) => containment(p));
    const judge = new LlmJudgeEntailment(model, { batchSize: 2 });
    const pairs = [
      { premise: 'Ann sings and dances.', hypothesis: 'Ann sings' },
      { premise: 'Ann sings.', hypothesis: 'Bob runs' },
      { premise: 'Bob runs fast.', hypothesis: 'Bob runs' },
      { premise: 'x', hypothesis: 'y' },
      { premise: 'xy', hypothesis: 'y' },
    ];
    expect(await judge.entailsMany(pairs)).toEqual([1, 0, 1, 0, 1]);
    expect(calls.map((c) => c.prompts.length)).toEqual([2, 2, 1]);
    expect(calls[0].options).toMatchObject({ n: 1, temperature: 0, maxNewTokens: 8, seed: 0 });
    expect(calls[0].prompts[0]).toBe(defaultJudgePrompt(pairs[0], 'label'));
    expect(await judge.entails('Ann sings.', 'Ann sings')).toBe(1);
    expect(judge.id).toBe('judge:fake-judge');
  });

  it('re-asks unreadable replies with a reminder, only for those pairs', async () => {
    const { model, calls } = fakeModel((p, call) =>
      call === 1 && p.includes('second') ? 'Hmm, tricky.' : 'yes',
    );
    const judge = new LlmJudgeEntailment(model);
    const pairs = [
      { premise: 'first', hypothesis: 'h' },
      { premise: 'second', hypothesis: 'h' },
    ];
    expect(await judge.entailsMany(pairs)).toEqual([1, 1]);
    expect(calls).toHaveLength(2);
    expect(calls[1].prompts).toHaveLength(1);
    expect(calls[1].prompts[0]).toMatch(
      /Hmm, tricky\.\n\nYour reply "Hmm, tricky\." could not be read\. Reply with exactly one word: yes or no\.\nAnswer:$/,
    );
    expect(calls[1].options.seed).toBe(1);
  });

  it('appends turns to chat prompts when re-asking', async () => {
    const { model, calls } = fakeModel((_p, call) => (call === 1 ? '???' : 'no'));
    const judge = new LlmJudgeEntailment(model, {
      prompt: (pair) => [{ role: 'user', content: `${pair.premise} => ${pair.hypothesis}?` }],
    });
    expect(await judge.entails('a', 'b')).toBe(0);
    expect(calls[1].prompts[0]).toEqual([
      { role: 'user', content: 'a => b?' },
      { role: 'assistant', content: '???' },
      {
        role: 'user',
        content: 'Your reply "???" could not be read. Reply with exactly one word: yes or no.',
      },
    ]);
  });

  it('throws with the replies, or uses the fallback, once retries are spent', async () => {
    const { model, calls } = fakeModel(() => 'I cannot tell.');
    const judge = new LlmJudgeEntailment(model, { maxRetries: 1 });
    const err = await judge.entails('a', 'b').catch((e) => e);
    expect(err).toBeInstanceOf(EntailmentError);
    expect(err.replies).toEqual(['I cannot tell.']);
    expect(err.message).toMatch(/after 2 attempt/);
    expect(calls).toHaveLength(2);
    const lenient = new LlmJudgeEntailment(fakeModel(() => 'I cannot tell.').model, {
      maxRetries: 0,
      unparseable: 0.5,
    });
    expect(await lenient.entailsMany([{ premise: 'a', hypothesis: 'b' }])).toEqual([0.5]);
  });

  it('asks for a probability in probability mode', async () => {
    const { model, calls } = fakeModel(() => '0.7');
    const judge = new LlmJudgeEntailment(model, { mode: 'probability' });
    expect(await judge.entails('a', 'b')).toBe(0.7);
    expect(calls[0].prompts[0]).toMatch(/a number between 0 and 1\.\nAnswer:$/);
    expect(calls[0].options.maxNewTokens).toBe(12);
  });

  it('checks options, the model output and cancellation', async () => {
    const { model } = fakeModel(() => 'yes');
    expect(() => new LlmJudgeEntailment(model, { batchSize: 0 })).toThrow(EntailmentError);
    expect(() => new LlmJudgeEntailment(model, { mode: 'maybe' as 'label' })).toThrow(/mode/);
    expect(() => new LlmJudgeEntailment(model, { unparseable: 2 })).toThrow(/unparseable/);
    expect(() => new LlmJudgeEntailment({} as LanguageModel)).toThrow(/LanguageModel/);
    const broken: LanguageModel = { ...model, generate: async () => [] };
    await expect(new LlmJudgeEntailment(broken).entails('a', 'b')).rejects.toThrow(/0 results for 1 prompts/);
    const ctrl = new AbortController();
    ctrl.abort();
    await expect(new LlmJudgeEntailment(model).entails('a', 'b', { signal: ctrl.signal })).rejects.toThrow(
      AbortError,
    );
    await expect(new LlmJudgeEntailment(model).entailsMany([{ premise: 1 } as never])).rejects.toThrow(
      /pairs\[0\]/,
    );
  });
});
