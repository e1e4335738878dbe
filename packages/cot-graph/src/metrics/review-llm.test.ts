import type { GenerateOptions, Generation, LanguageModel, Prompt } from '@proj/models';
import { describe, expect, it } from 'vitest';
import { LabellerError } from '../errors.js';
import type { Chunk } from '../text/segment.js';
import { analyzeReview, LlmChunkLabeller, parseReviewLabel, reviewLabelPrompt } from './review.js';

const chunks: Chunk[] = Array.from({ length: 12 }, (_, i) => ({
  index: i,
  start: i * 10,
  end: i * 10 + 8,
  text: i % 3 === 2 ? `Wait, check ${i}` : `Step ${i}`,
  paragraph: i,
  cue: null,
}));

/** Answers REVIEW for chunks that start with "Wait", PROGRESS otherwise; `garbled` chunks answer nonsense first. */
class RuleModel implements LanguageModel {
  readonly id = 'rules';
  readonly capabilities = { logits: false, logprobs: false };
  readonly calls: number[] = [];
  private garbled: Map<string, number>;
  constructor(garbled: Record<string, number> = {}) {
    this.garbled = new Map(Object.entries(garbled));
  }
  async generate(prompts: readonly Prompt[], _o?: GenerateOptions): Promise<Generation[][]> {
    this.calls.push(prompts.length);
    return prompts.map((p) => {
      const user = (p as readonly { content: string }[])[1].content;
      const target = /^>>> (.*) <<<$/m.exec(user)![1];
      const left = this.garbled.get(target) ?? 0;
      let text = target.startsWith('Wait') ? ' REVIEW' : 'Progress.';
      if (left > 0) {
        this.garbled.set(target, left - 1);
        text = 'I am not sure.';
      }
      return [{ text, tokenIds: [], logprobs: [], finishReason: 'stop' as const }];
    });
  }
}

describe('LlmChunkLabeller', () => {
  it('shows 5 chunks of context on each side and marks the target', () => {
    const p = reviewLabelPrompt(chunks, 6, 5, 'P?') as readonly { role: string; content: string }[];
    const lines = p[1].content.split('\n');
    expect(lines[0]).toBe('Problem: P?');
    expect(lines.filter((l) => l.startsWith('[before]'))).toHaveLength(5);
    expect(lines.filter((l) => l.startsWith('[after]'))).toHaveLength(5);
    expect(lines).toContain('>>> Step 6 <<<');
    expect(lines).toContain('[before] Step 1');
    expect(lines).toContain('[after] Wait, check 11');
    expect(lines).not.toContain('[before] Step 0');
    // At the edges the window is cut, not padded.
    const first = (reviewLabelPrompt(chunks, 0) as readonly { content: string }[])[1].content;
    expect(first.split('\n').filter((l) => l.startsWith('[after]'))).toHaveLength(5);
    expect(first).not.toContain('[before]');
  });

  it('labels every chunk in batches and re-asks unreadable answers', async () => {
    const model = new RuleModel({ 'Step 4': 1, 'Wait, check 8': 2 });
    const labels = await new LlmChunkLabeller({ model, batchSize: 5 }).label(chunks);
    expect(labels).toEqual(chunks.map((c) => (c.text.startsWith('Wait') ? 'review' : 'progress')));
    // Round 1: 12 prompts in batches of 5, 5, 2; round 2: the two garbled chunks; round 3: the one still garbled.
    expect(model.calls).toEqual([5, 5, 2, 2, 1]);
  });

  it('throws a LabellerError naming the chunk when answers stay unreadable', async () => {
    const model = new RuleModel({ 'Step 3': 9 });
    const err = await new LlmChunkLabeller({ model, maxAttempts: 2 }).label(chunks).catch((e) => e);
    expect(err).toBeInstanceOf(LabellerError);
    expect(err.message).toContain(
      '1 chunk(s) got no PROGRESS/REVIEW label after 2 attempt(s) (first: chunk 3',
    );
  });

  it('parses labels and computes the ratio end to end', async () => {
    expect(parseReviewLabel('Label: review.')).toBe('review');
    expect(parseReviewLabel('PROGRESS, not review')).toBe('progress');
    expect(parseReviewLabel('unsure')).toBeNull();
    const trace = 'We set x = 4 and y = 9 here.\n\nWait, check that x = 4 again.';
    const r = await analyzeReview(trace, new LlmChunkLabeller({ model: new RuleModel() }));
    expect(r.labels).toEqual(['progress', 'review']);
    // 29 characters of review out of 28 + 29.
    expect(r.ratio).toBeCloseTo(29 / 57, 12);
  });
});
