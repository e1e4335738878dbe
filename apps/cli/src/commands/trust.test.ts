import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CrossEncoderEntailment,
  discreteSemanticEntropy,
  ESTIMATORS,
  entailmentFromFunction,
  luq,
  parseEvaluationJsonl,
  semanticIsotropy,
} from '@proj/isotropy';
import {
  ByteTokenizer,
  gpt2Config,
  LocalEmbedder,
  LocalSequenceClassifier,
  ParameterStore,
  saveDecoderFolder,
} from '@proj/models';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type FakeCompletionRequest,
  FakeOpenAIServer,
} from '../../../../packages/models/src/remote/testing/fake-openai-server.js';
import { runCli } from '../main.js';
import { fakeIO, runProj } from '../testing.js';

const run = runProj;

const PROMPT = 'Tell me a bio of Ada Lovelace.';
/** Sample j of the fake model; answers 0-4 and 5-9 say two different things. */
const answer = (j: number) =>
  j % 10 < 5 ? `Ada was a mathematician (take ${j}).` : `Ada was a poet (take ${j}).`;
/** Raw embedding of a text: by what its answer says, plus a small per-sample wobble. */
function embedOf(text: string): number[] {
  const take = Number(/take (\d+)/.exec(text)?.[1] ?? 0);
  const base = text.includes('mathematician')
    ? [1, 0, 0, 0]
    : text.includes('poet')
      ? [0, 1, 0, 0]
      : [0, 0, 1, 0];
  return base.map((x, k) => x + (k === 3 ? 0.05 * (take % 3) : 0) + (k === 2 ? 0.01 : 0));
}

/** The NLI rule of the fake judge: a premise entails a hypothesis when both name the same profession. */
const profession = (s: string) => /mathematician|poet|painter/.exec(s)?.[0] ?? s;
const judgeRule = (premise: string, hypothesis: string) =>
  profession(premise) === profession(hypothesis) ? 1 : 0;

function complete(req: FakeCompletionRequest, j: number): string {
  if (req.prompt.includes('natural language inference')) {
    const premise = /Premise: ([\s\S]*?)\n\nHypothesis/.exec(req.prompt)?.[1] ?? '';
    const hypothesis = /Hypothesis: ([\s\S]*?)\n\nDoes/.exec(req.prompt)?.[1] ?? '';
    return judgeRule(premise, hypothesis) ? 'Yes.' : 'No.';
  }
  return answer(req.seed + j);
}

let server: FakeOpenAIServer;
let dir: string;
/** A tiny torch-exported NLI cross-encoder (written by packages/models/scripts/classifier_reference.py). */
const nliDir = fileURLToPath(
  new URL('../../../../packages/models/src/encoder/fixtures/tiny-bert-nli', import.meta.url),
);
beforeAll(async () => {
  server = await FakeOpenAIServer.start({ complete, embed: embedOf });
  dir = await mkdtemp(join(tmpdir(), 'proj-trust-'));
});
afterAll(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

const endpointArgs = () => ['--endpoint', server.baseURL, '--api-key', 'sk-test', '--retries', '0'];

describe('proj trust score', () => {
  it('samples from the endpoint, embeds the wrapped answers and prints the score as JSON', async () => {
    const before = server.requests.length;
    const r = await run([
      'trust',
      'score',
      ...endpointArgs(),
      '--model',
      'fake-model',
      '--embed-model',
      'fake-embed',
      '--seed',
      '0',
      '--json',
      PROMPT,
    ]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const res = JSON.parse(r.out);
    expect(res.answers).toEqual(Array.from({ length: 10 }, (_, j) => answer(j)));
    const reqs = server.requests.slice(before);
    const chat = reqs.filter((q) => q.path === '/v1/chat/completions');
    expect(chat).toHaveLength(1);
    expect(chat[0].body).toMatchObject({
      model: 'fake-model',
      n: 10,
      temperature: 0.7,
      top_p: 1,
      seed: 0,
      max_tokens: 1024,
    });
    expect(chat[0].headers.authorization).toBe('Bearer sk-test');
    const emb = reqs.filter((q) => q.path === '/v1/embeddings');
    expect(emb).toHaveLength(1);
    const texts = emb[0].body?.input as string[];
    expect(texts[0]).toBe(`The following is an excerpt from a text about: '${PROMPT}'\n\n${answer(0)}`);
    // The score is semantic isotropy of exactly what the embedder returned for those texts.
    expect(res.score).toBeCloseTo(semanticIsotropy(texts.map(embedOf)), 6);
    expect(res.score).toBeGreaterThan(0.2);
    expect(res.score).toBeLessThan(0.6);
    expect(res.model).toBe('fake-model');
    expect(res.embedder).toBe('fake-embed');
    expect(res.parts.eigenvalues).toHaveLength(10);
    expect(Object.keys(res.timings)).toEqual(['samplingMs', 'embeddingMs', 'scoringMs', 'totalMs']);
  });

  it('reads the prompt from stdin, honours the sampling flags and prints a readable summary', async () => {
    const before = server.requests.length;
    const r = await run(
      [
        'trust',
        'score',
        ...endpointArgs(),
        '--model',
        'fake-model',
        '--embed-model',
        'fake-embed',
        '-n',
        '4',
        '--temperature',
        '1.1',
        '--top-p',
        '0.9',
        '--seed',
        '5',
        '--max-tokens',
        '64',
        '--topic',
        'Ada Lovelace',
        '--task-prefix',
        'clustering: ',
        '-',
      ],
      `${PROMPT}\n`,
    );
    expect(r.code).toBe(0);
    const reqs = server.requests.slice(before);
    expect(reqs[0].body).toMatchObject({ n: 4, temperature: 1.1, top_p: 0.9, seed: 5, max_tokens: 64 });
    expect((reqs[0].body!.messages as { content: string }[])[0].content).toBe(PROMPT);
    expect((reqs[1].body!.input as string[])[0]).toBe(
      `clustering: The following is an excerpt from a text about: 'Ada Lovelace'\n\n${answer(5)}`,
    );
    expect(r.out).toMatch(/^trust score 0\.\d{3} {2}\(semantic isotropy/);
    expect(r.out).toContain('4 answers from fake-model, embedded with fake-embed');
    expect(r.out).toContain(`  1. ${answer(5)}`);
  });

  it('shows a progress line on a terminal', async () => {
    const r = await run(
      ['trust', 'score', ...endpointArgs(), '--model', 'fake-model', '--embed-model', 'e', '-n', '3', PROMPT],
      '',
      true,
    );
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/sampling 3 answers \[#+\] 1\/1 requests/);
  });

  it('explains an unreachable endpoint and bad flags, with exit codes 1 and 2', async () => {
    const dead = await FakeOpenAIServer.start();
    const url = dead.baseURL;
    await dead.close();
    const r = await run([
      'trust',
      'score',
      '--endpoint',
      url,
      '--retries',
      '0',
      '--model',
      'm',
      '--embed-model',
      'e',
      'q',
    ]);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`EndpointError: the sampling endpoint (--endpoint ${url} --model m) failed`);
    expect(r.err).toMatch(/Is the server running at http:\/\/127\.0\.0\.1:\d+\?/);
    const emb = await run([
      'trust',
      'score',
      ...endpointArgs(),
      '--model',
      'fake-model',
      '--embed-endpoint',
      url,
      '--embed-model',
      'e',
      '-n',
      '2',
      'q',
    ]);
    expect(emb.code).toBe(1);
    expect(emb.err).toContain(`the embedding endpoint (--embed-endpoint ${url} --embed-model e) failed`);
    server.enqueue({ status: 401, body: { error: { message: 'Invalid API key' } } });
    const auth = await run([
      'trust',
      'score',
      ...endpointArgs(),
      '--model',
      'fake-model',
      '--embed-model',
      'e',
      'q',
    ]);
    expect(auth.code).toBe(1);
    expect(auth.err).toMatch(/sampling endpoint .* failed: POST .* HTTP 401: Invalid API key\. Check apiKey/);
    const cases: [string[], RegExp][] = [
      [['--model', 'm', 'q'], /needs --embed-model/],
      [['--model', 'm', '--embed-model', 'e', '-n', '1', 'q'], /--samples must be an integer >= 2/],
      [['--model', 'm', '--embed-model', 'e', '--top-p', '0', 'q'], /--top-p must be in \(0, 1\]/],
      [['--model', 'm', '--embed-model', 'e', '--api', 'x', 'q'], /--api must be one of chat, completions/],
      [['--model', 'm', '--embed-model', 'e'], /no prompt/],
      [['--embed-model', 'e', 'q'], /sampling needs --model/],
      [['--model', 'm', '--model-dir', 'x', '--embed-model', 'e', 'q'], /either --model-dir/],
    ];
    for (const [args, msg] of cases) {
      const u = await run(['trust', 'score', '--endpoint', server.baseURL, ...args]);
      expect(u.code, args.join(' ')).toBe(2);
      expect(u.err).toMatch(msg);
    }
    const badUrl = await run([
      'trust',
      'score',
      '--endpoint',
      'localhost:8000',
      '--model',
      'm',
      '--embed-model',
      'e',
      'q',
    ]);
    expect(badUrl.code).toBe(2);
    expect(badUrl.err).toMatch(/--embed-endpoint: baseURL "localhost:8000" is not a URL|needs http/);
  });

  it('stops on interrupt with exit code 130', async () => {
    server.enqueue({ hang: true });
    const ctrl = new AbortController();
    const { io, err } = fakeIO();
    io.signal = ctrl.signal;
    const code = runCli(
      ['trust', 'score', ...endpointArgs(), '--model', 'fake-model', '--embed-model', 'e', 'q'],
      io,
    );
    setTimeout(() => ctrl.abort(), 20);
    expect(await code).toBe(130);
    expect(err.join('\n')).toBe('proj: interrupted');
  });

  it('samples from a local model folder', async () => {
    const tokenizer = ByteTokenizer.create();
    const config = gpt2Config({
      vocabSize: tokenizer.vocabSize,
      dModel: 16,
      nLayers: 1,
      nHeads: 2,
      maxPositions: 96,
      eosTokenId: tokenizer.eosTokenId,
    });
    const folder = join(dir, 'tiny-lm');
    await saveDecoderFolder(folder, {
      config,
      store: new ParameterStore({ seed: 3 }),
      tokenizer: ByteTokenizer.files(),
    });
    const before = server.requests.length;
    const r = await run([
      'trust',
      'score',
      '--model-dir',
      folder,
      '--embed-endpoint',
      server.baseURL,
      '--embed-model',
      'e',
      '-n',
      '3',
      '--max-tokens',
      '8',
      '--seed',
      '1',
      '--json',
      'Hi',
    ]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const res = JSON.parse(r.out);
    expect(res.answers).toHaveLength(3);
    expect(res.model).toBe(folder);
    const reqs = server.requests.slice(before);
    expect(reqs.map((q) => q.path)).toEqual(['/v1/embeddings']);
    expect(res.score).toBeGreaterThanOrEqual(0);
    const missing = await run([
      'trust',
      'score',
      '--model-dir',
      join(dir, 'nope'),
      '--embed-endpoint',
      server.baseURL,
      '--embed-model',
      'e',
      'q',
    ]);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/TrustInputError: --model-dir .*nope.* does not exist/);
  });
});

describe('proj trust responses', () => {
  const lines = [
    { id: 'a', prompt: 'Who was Ada?', responses: [answer(0), answer(1), answer(6)] },
    { prompt: 'Who was Ada, really?', topic: 'Ada', responses: [answer(0), answer(1), answer(2)] },
  ];

  it('embeds with a local embedder folder (--embed-dir), matching LocalEmbedder directly', async () => {
    const folder = join(
      import.meta.dirname,
      '..',
      '..',
      '..',
      '..',
      'packages',
      'models',
      'src',
      'encoder',
      'fixtures',
      'tiny-bert',
    );
    const file = join(dir, 'responses-local.jsonl');
    await writeFile(file, `${JSON.stringify(lines[0])}\n`);
    const r = await run(['trust', 'responses', '--embed-dir', folder, '--raw', '--json', file]);
    expect(r.code).toBe(0);
    const got = JSON.parse(r.out);
    const emb = await LocalEmbedder.fromFolder(folder);
    const want = semanticIsotropy(await emb.embed(lines[0].responses));
    await emb.dispose();
    expect(got.score).toBeCloseTo(want, 6);
    const bad = await run(['trust', 'responses', '--embed-dir', join(dir, 'nope'), file]);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/--embed-dir .*nope/);
  });

  it('scores a JSONL file through the embedding endpoint, in order', async () => {
    const file = join(dir, 'responses.jsonl');
    await writeFile(file, `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`);
    const before = server.requests.length;
    const r = await run(['trust', 'responses', ...endpointArgs(), '--embed-model', 'e', '--json', file]);
    expect(r.code).toBe(0);
    const out = r.out.split('\n').map((l) => JSON.parse(l));
    expect(out.map((o) => o.id)).toEqual(['a', undefined]);
    expect(out[1].topic).toBe('Ada');
    const embReqs = server.requests.slice(before).filter((q) => q.path === '/v1/embeddings');
    expect(embReqs).toHaveLength(2);
    const textsOf = (i: number) =>
      embReqs
        .map((q) => q.body?.input as string[])
        .find((t) => t[0].includes(i === 0 ? "'Who was Ada?'" : "'Ada'")) as string[];
    expect(out[0].score).toBeCloseTo(semanticIsotropy(textsOf(0).map(embedOf)), 6);
    expect(out[1].score).toBeCloseTo(semanticIsotropy(textsOf(1).map(embedOf)), 6);
    expect(out[0].score).toBeGreaterThan(out[1].score);
    expect(out[0].n).toBe(3);
    const text = await run(['trust', 'responses', ...endpointArgs(), '--embed-model', 'e', file]);
    expect(text.out.split('\n')[1]).toMatch(/^1 {2}0\.\d{3} {4}3 {2}\[a\] Who was Ada\?$/);
    expect(text.err).toMatch(/scored 2 prompts/);
  });

  it('runs offline from stdin when every line carries embeddings', async () => {
    const withEmb = lines.map((l) => ({ ...l, embeddings: l.responses.map(embedOf) }));
    const before = server.requests.length;
    const r = await run(
      ['trust', 'responses', '--json', '-'],
      withEmb.map((l) => JSON.stringify(l)).join('\n'),
    );
    expect(r.code).toBe(0);
    expect(server.requests.length).toBe(before);
    const out = r.out.split('\n').map((l) => JSON.parse(l));
    expect(out[0].score).toBeCloseTo(semanticIsotropy(withEmb[0].embeddings), 12);
  });

  it('reports bad input with the line number', async () => {
    const r = await run(
      ['trust', 'responses', '-'],
      `${JSON.stringify(lines[0])}\n{"prompt": "p", "responses": ["x"]}\n`,
    );
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/JsonlError: stdin:2: "responses" has 1 entries/);
    const none = await run(['trust', 'responses']);
    expect(none.code).toBe(1);
    expect(none.err).toMatch(/no responses on stdin/);
    const missing = await run(['trust', 'responses', join(dir, 'missing.jsonl')]);
    expect(missing.err).toMatch(/TrustInputError: cannot read .*missing\.jsonl/);
    const noEmbedder = await run(['trust', 'responses', '-'], JSON.stringify(lines[0]));
    expect(noEmbedder.code).toBe(2);
    expect(noEmbedder.err).toMatch(/--embed-model/);
  });
});

describe('proj trust evaluate', () => {
  const datasetPath = new URL(
    '../../../../packages/isotropy/src/evaluation/fixtures/dataset.jsonl',
    import.meta.url,
  ).pathname;

  it('writes the side-by-side table, report and plots offline', async () => {
    const out = join(dir, 'eval-out');
    const r = await run(['trust', 'evaluate', '--reps', '50', '--seed', '2', '--out', out, datasetPath]);
    expect(r.code).toBe(0);
    expect(r.out.split('\n')[0]).toBe('| Estimator | R^2 [95% CI] | Spearman [95% CI] | AUROC [95% CI] |');
    expect(r.out).toContain('| Semantic isotropy |');
    expect(r.out).toMatch(/24 prompts, \d+ with factuality < 0\.5; 50 bootstrap resamples \(seed 2\)/);
    expect((await readdir(out)).sort()).toEqual(['plots', 'report.json', 'report.md']);
    const plots = await readdir(join(out, 'plots'));
    expect(plots).toContain('roc.svg');
    expect(plots).toHaveLength(ESTIMATORS.length + 1);
    const saved = JSON.parse(await readFile(join(out, 'report.json'), 'utf8'));
    expect(saved.report.rows.map((row: { name: string }) => row.name)).toEqual(ESTIMATORS.map((e) => e.name));
    const json = await run(['trust', 'evaluate', '--reps', '50', '--seed', '2', '--json', datasetPath]);
    expect(JSON.parse(json.out).report).toEqual(saved.report);
  });

  it('adds LUQ and semantic entropy with an LLM judge on the endpoint', async () => {
    // Six prompts relabelled so the answers name professions the fake judge can compare.
    const records = parseEvaluationJsonl(await readFile(datasetPath, 'utf8')).slice(0, 6);
    const jobs = ['mathematician', 'poet', 'painter'];
    const relabelled = records.map((rec, i) => ({
      prompt: rec.prompt,
      factuality: rec.factuality,
      embeddings: rec.embeddings,
      responses: rec.responses.map((_, j) => `Ada was a ${jobs[(i * j) % (1 + (i % 3))]}.`),
    }));
    const file = join(dir, 'nli.jsonl');
    await writeFile(file, relabelled.map((l) => JSON.stringify(l)).join('\n'));
    const r = await run([
      'trust',
      'evaluate',
      ...endpointArgs(),
      '--nli-model',
      'judge',
      '--estimators',
      'semanticIsotropy,luq,semanticEntropy',
      '--threshold',
      '0.85',
      '--reps',
      '20',
      '--json',
      file,
    ]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out).report;
    expect(report.rows.map((row: { name: string }) => row.name)).toEqual([
      'semanticIsotropy',
      'luq',
      'semanticEntropy',
    ]);
    expect(report.rows[1].label).toBe('LUQ (judge:judge)');
    // The same rule, applied directly, gives the numbers behind the table.
    const direct = entailmentFromFunction(judgeRule);
    const luqs = await Promise.all(
      relabelled.map(async (rec) => (await luq(rec.responses, direct)).uncertainty),
    );
    const ses = await Promise.all(
      relabelled.map(async (rec) => (await discreteSemanticEntropy(rec.responses, direct)).entropy),
    );
    const check = await run([
      'trust',
      'evaluate',
      '--estimators',
      'semanticIsotropy',
      '--threshold',
      '0.85',
      '--reps',
      '20',
      '--json',
      file,
    ]);
    expect(JSON.parse(check.out).report.rows[0]).toEqual(report.rows[0]);
    expect(luqs.some((x) => x > 0)).toBe(true);
    expect(new Set(ses).size).toBeGreaterThan(1);
    const { evaluateScores } = await import('@proj/isotropy');
    const expected = evaluateScores(
      { luq: luqs, semanticEntropy: ses },
      relabelled.map((x) => x.factuality),
      { threshold: 0.85, reps: 20, seed: 0 },
    );
    expect(report.rows[1].r2).toEqual(expected.rows[0].r2);
    expect(report.rows[2].spearman).toEqual(expected.rows[1].spearman);
  });

  it('runs LUQ and semantic entropy with a local NLI cross-encoder folder (--nli-dir)', async () => {
    const r = await run([
      'trust',
      'evaluate',
      '--nli-dir',
      nliDir,
      '--estimators',
      'luq,semanticEntropy',
      '--reps',
      '20',
      '--json',
      datasetPath,
    ]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out).report;
    expect(report.rows[0].label).toBe('LUQ (nli:tiny-bert-nli)');
    // The same cross-encoder, applied directly, gives the numbers behind the table.
    const records = (await readFile(datasetPath, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { responses: string[]; factuality: number });
    const clf = await LocalSequenceClassifier.fromFolder(nliDir);
    const nli = new CrossEncoderEntailment(clf);
    const luqs: number[] = [];
    const ses: number[] = [];
    for (const rec of records) {
      luqs.push((await luq(rec.responses, nli)).uncertainty);
      ses.push((await discreteSemanticEntropy(rec.responses, nli)).entropy);
    }
    await clf.dispose();
    const { evaluateScores } = await import('@proj/isotropy');
    const expected = evaluateScores(
      { luq: luqs, semanticEntropy: ses },
      records.map((x) => x.factuality),
      { threshold: 0.5, reps: 20, seed: 0 },
    );
    expect(report.rows[0].r2).toEqual(expected.rows[0].r2);
    expect(report.rows[1].spearman).toEqual(expected.rows[1].spearman);
  });

  it('rejects unknown estimators and missing judges as usage errors', async () => {
    const a = await run(['trust', 'evaluate', '--estimators', 'luq', datasetPath]);
    expect(a.code).toBe(2);
    expect(a.err).toMatch(/unknown estimator 'luq' \(it needs --nli-model or --nli-dir\)/);
    const b = await run(['trust', 'evaluate', '--nli-model', 'j', datasetPath]);
    expect(b.code).toBe(2);
    expect(b.err).toMatch(/--nli-model needs --nli-endpoint/);
    const c = await run(['trust', 'evaluate', '--threshold', '0', datasetPath]);
    expect(c.code).toBe(2);
    const both = await run(['trust', 'evaluate', '--nli-model', 'j', '--nli-dir', nliDir, datasetPath]);
    expect(both.code).toBe(2);
    expect(both.err).toMatch(/either --nli-model or --nli-dir/);
    const missing = await run(['trust', 'evaluate', '--nli-dir', join(dir, 'nope'), datasetPath]);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/--nli-dir .*nope.*does not exist/);
    const d = await run(['trust', 'evaluate', '-'], '{"prompt": "p", "responses": ["a", "b"]}');
    expect(d.code).toBe(1);
    expect(d.err).toMatch(/stdin:1: "factuality" must be a number/);
  });
});

describe('proj trust', () => {
  it('lists its subcommands', async () => {
    const r = await run(['trust', '--help']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/Commands:\n {2}score +Sample answers/);
    expect(r.out).toContain('responses');
    expect(r.out).toContain('evaluate');
    const h = await run(['trust', 'score', '--help']);
    expect(h.out).toContain('-n, --samples <n>');
  });
});
