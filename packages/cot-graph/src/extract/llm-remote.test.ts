import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RemoteLanguageModel } from '@proj/models';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeOpenAIServer } from '../../../models/src/remote/testing/fake-openai-server.js';
import { parseLabelledTrace } from '../eval/labelled.js';
import { failedStepFraction } from '../metrics/structure.js';
import { LlmExtractor } from './llm.js';

// The LLM extractor over a real HTTP client against a loopback OpenAI-compatible server replaying recorded DOT:
// the first answer is malformed, the retry (which carries the parser's error back to the model) is good.
const here = import.meta.dirname;
const recorded = (name: string) => readFileSync(join(here, 'fixtures', 'recorded', `${name}.txt`), 'utf8');
const trace = parseLabelledTrace(
  readFileSync(join(here, '..', 'eval', 'fixtures', 'labelled', 'dev', '01-sum-product.txt'), 'utf8'),
).trace;

let server: FakeOpenAIServer;
beforeAll(async () => {
  const answers = [recorded('malformed'), recorded('good')];
  let call = 0;
  server = await FakeOpenAIServer.start({ complete: () => answers[Math.min(call++, answers.length - 1)] });
});
afterAll(async () => {
  await server.close();
});

describe('LlmExtractor over an OpenAI-compatible endpoint (loopback)', () => {
  it('retries after malformed DOT and returns the validated graph', async () => {
    const model = new RemoteLanguageModel({ baseURL: server.baseURL, model: 'fake-reasoner', maxRetries: 0 });
    const r = await new LlmExtractor({ model }).extract(trace, {
      problem: 'Two integers: sum 20, product 96.',
    });
    expect(r.attempts).toBe(2);
    expect(failedStepFraction(r.graph)).toBe(3 / 8);
    expect(server.requests).toHaveLength(2);
    // The retry request told the model what was wrong with its first answer.
    const retry = server.requests[1].body as { messages: { role: string; content: string }[] };
    expect(retry.messages.at(-1)!.content).toMatch(/line \d+/);
    expect(retry.messages.some((m) => m.role === 'assistant')).toBe(true);
  });
});
