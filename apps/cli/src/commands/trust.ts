import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  CrossEncoderEntailment,
  type Entailment,
  ESTIMATORS,
  type EstimatorDescriptor,
  type EvaluationRecord,
  type ExcerptOptions,
  evaluateRecords,
  excerptEmbedText,
  formatEvaluationTable,
  LlmJudgeEntailment,
  nliEstimators,
  parseEvaluationJsonl,
  parseResponsesJsonl,
  type TrustScore,
  TrustScorer,
  writeTextFileAtomic,
} from '@proj/isotropy';
import {
  type Embedder,
  EndpointError,
  type LanguageModel,
  LocalEmbedder,
  LocalSequenceClassifier,
  loadLanguageModel,
  RemoteEmbedder,
  RemoteLanguageModel,
  RemoteOptionsError,
} from '@proj/models';
import { type Command, type CommandContext, type OptionSpec, UsageError } from '../cli.js';

/**
 * Unreadable input: a file that cannot be read, no input at all, or a model folder that cannot be loaded.
 * Names the file and the fix.
 *
 * @example
 * ```ts
 * throw new TrustInputError('cannot read answers.jsonl: ENOENT');
 * ```
 */
export class TrustInputError extends Error {
  /** `'TrustInputError'` (printed before the message). */
  override name = 'TrustInputError';
}

/**
 * A model endpoint failed. The message says which flags configured it and carries the endpoint client's own
 * message and hint (connection refused -> is the server running; 401 -> the API key; 404 -> the /v1 root and
 * the model name); `cause` is the client's EndpointError. Its `name` is 'EndpointError', which is what the
 * CLI prints before the message.
 *
 * @example
 * ```ts
 * // proj trust score: EndpointError: the sampling endpoint (--endpoint http://localhost:8000/v1 --model m) failed: ...
 * ```
 */
export class TrustEndpointError extends Error {
  /** `'EndpointError'`, as the endpoint client's own errors: what the CLI prints before the message. */
  override name = 'EndpointError';
}

type Values = CommandContext['values'];

// ---------------------------------------------------------------------------------------------- options

const connection: Record<string, OptionSpec> = {
  'api-key': {
    type: 'string',
    valueName: 'key',
    description: 'Bearer token for every endpoint (default: $OPENAI_API_KEY).',
  },
  timeout: {
    type: 'string',
    valueName: 's',
    default: '120',
    description: 'Seconds to wait for one request before retrying.',
  },
  retries: {
    type: 'string',
    valueName: 'n',
    default: '3',
    description: 'Retries of a request after a network error, timeout, 429 or 5xx.',
  },
  concurrency: {
    type: 'string',
    valueName: 'n',
    default: '4',
    description: 'Requests (and prompts) in flight at most.',
  },
};

const embedding: Record<string, OptionSpec> = {
  'embed-endpoint': {
    type: 'string',
    valueName: 'url',
    description: 'OpenAI-compatible API root of the embedder (default: --endpoint).',
  },
  'embed-model': { type: 'string', valueName: 'name', description: 'Embedding model name on that server.' },
  'embed-dir': {
    type: 'string',
    valueName: 'dir',
    description:
      "A local embedder folder instead (the project's encoder folders or an Optimum BERT/MiniLM export).",
  },
  'task-prefix': {
    type: 'string',
    valueName: 'text',
    description: "Prefix for every embedded text (nomic-embed: 'clustering: ').",
  },
  'max-chars': {
    type: 'string',
    valueName: 'n',
    default: '4000',
    description:
      'Characters of an answer kept before embedding (about 1000 tokens; lower for 512-token embedders).',
  },
  raw: {
    type: 'boolean',
    description: "Embed the bare answers, without the paper's excerpt wrapper.",
  },
};

const sampling: Record<string, OptionSpec> = {
  endpoint: {
    type: 'string',
    valueName: 'url',
    description: 'OpenAI-compatible API root, e.g. http://localhost:8000/v1 (default: $OPENAI_BASE_URL).',
  },
  model: { type: 'string', valueName: 'name', description: 'Model that answers, as the endpoint names it.' },
  'model-dir': {
    type: 'string',
    valueName: 'dir',
    description: 'Sample from a local model folder (Hugging Face layout, ONNX) instead of an endpoint.',
  },
  api: {
    type: 'string',
    valueName: 'chat|completions',
    default: 'chat',
    description: 'Endpoint API used for sampling.',
  },
  samples: { type: 'string', short: 'n', valueName: 'n', default: '10', description: 'Answers sampled.' },
  temperature: { type: 'string', valueName: 't', default: '0.7', description: 'Sampling temperature.' },
  'top-p': { type: 'string', valueName: 'p', default: '1', description: 'Nucleus sampling.' },
  seed: {
    type: 'string',
    valueName: 'n',
    description: 'Sampling seed (sample j gets seed + j on endpoints).',
  },
  'max-tokens': {
    type: 'string',
    valueName: 'n',
    default: '1024',
    description: 'Token budget of an answer.',
  },
  topic: {
    type: 'string',
    valueName: 'text',
    description: 'Topic of the excerpt wrapper (default: the prompt).',
  },
};

const nli: Record<string, OptionSpec> = {
  'nli-model': {
    type: 'string',
    valueName: 'name',
    description: 'Add the NLI baselines (LUQ, semantic entropy) with this model as an LLM judge.',
  },
  'nli-endpoint': {
    type: 'string',
    valueName: 'url',
    description: 'API root of the judge (default: --endpoint).',
  },
  'nli-dir': {
    type: 'string',
    valueName: 'dir',
    description:
      'Add the NLI baselines with a local NLI cross-encoder folder (Optimum text-classification export with entailment / contradiction labels).',
  },
  'judge-format': {
    type: 'string',
    valueName: 'label|probability',
    default: 'label',
    description: 'The judge answers yes/no, or a probability.',
  },
};

// ---------------------------------------------------------------------------------------------- helpers

function str(v: Values, name: string): string | undefined {
  const x = v[name];
  return typeof x === 'string' && x.length > 0 ? x : undefined;
}

function intOpt(v: Values, name: string, min: number): number {
  const raw = v[name];
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < min) {
    throw new UsageError(`--${name} must be an integer >= ${min}, got '${String(raw)}'.`);
  }
  return n;
}

function numOpt(v: Values, name: string, ok: (x: number) => boolean, what: string): number {
  const raw = v[name];
  const n = Number(raw);
  if (raw === undefined || raw === '' || !Number.isFinite(n) || !ok(n)) {
    throw new UsageError(`--${name} must be ${what}, got '${String(raw)}'.`);
  }
  return n;
}

function choice<T extends string>(v: Values, name: string, allowed: readonly T[]): T {
  const raw = v[name];
  if (!(allowed as readonly unknown[]).includes(raw)) {
    throw new UsageError(`--${name} must be one of ${allowed.join(', ')}; got '${String(raw)}'.`);
  }
  return raw as T;
}

interface Connection {
  apiKey: string | undefined;
  timeoutMs: number;
  maxRetries: number;
  concurrency: number;
}

function connectionOf(v: Values): Connection {
  return {
    apiKey: str(v, 'api-key') ?? process.env.OPENAI_API_KEY,
    timeoutMs: Math.round(numOpt(v, 'timeout', (x) => x > 0, 'a positive number of seconds') * 1000),
    maxRetries: intOpt(v, 'retries', 0),
    concurrency: intOpt(v, 'concurrency', 1),
  };
}

/** Builds a remote client, turning a malformed URL or name into a usage error that names the flag. */
function remote<T>(flag: string, make: () => T): T {
  try {
    return make();
  } catch (e) {
    if (e instanceof RemoteOptionsError) throw new UsageError(`${flag}: ${e.message}`);
    throw e;
  }
}

/** Which flags configured each endpoint, so that a failure can name them. */
interface EndpointRole {
  url: string;
  flags: string;
  role: string;
  /** The API it calls: a sampler / judge and an embedder may share one server. */
  api: 'completions' | 'embeddings';
}

/** Re-raises endpoint failures with the flags to check; other errors pass through. */
function explain(e: unknown, roles: readonly EndpointRole[]): unknown {
  if (!(e instanceof EndpointError)) return e;
  const api = e.url.endsWith('/embeddings') ? 'embeddings' : 'completions';
  const role = roles.find((r) => r.api === api && e.url.startsWith(r.url.replace(/\/+$/, '')));
  const where = role ? `the ${role.role} endpoint (${role.flags})` : 'an endpoint';
  return new TrustEndpointError(`${where} failed: ${e.message}`, { cause: e });
}

async function embedderOf(v: Values, conn: Connection, roles: EndpointRole[]): Promise<Embedder> {
  const dir = str(v, 'embed-dir');
  if (dir !== undefined) {
    if (str(v, 'embed-model') !== undefined)
      throw new UsageError('pass either --embed-dir or --embed-model, not both.');
    try {
      return await LocalEmbedder.fromFolder(dir);
    } catch (e) {
      throw new TrustInputError(`--embed-dir ${dir}: ${(e as Error).message}`, { cause: e });
    }
  }
  const url = str(v, 'embed-endpoint') ?? str(v, 'endpoint') ?? process.env.OPENAI_BASE_URL;
  const model = str(v, 'embed-model');
  if (!url || !model) {
    throw new UsageError(
      'embedding the answers needs --embed-model <name> and --embed-endpoint <url> (or --endpoint / $OPENAI_BASE_URL), e.g. --embed-endpoint http://localhost:8000/v1 --embed-model BAAI/bge-small-en-v1.5, or a local --embed-dir <dir>.',
    );
  }
  roles.push({
    url,
    flags: `--embed-endpoint ${url} --embed-model ${model}`,
    role: 'embedding',
    api: 'embeddings',
  });
  return remote('--embed-endpoint', () => new RemoteEmbedder({ baseURL: url, model, ...conn }));
}

function excerptOf(v: Values): ExcerptOptions {
  const options: ExcerptOptions = { maxChars: intOpt(v, 'max-chars', 1) };
  const prefix = str(v, 'task-prefix');
  if (prefix !== undefined) options.taskPrefix = prefix;
  if (v.raw) options.template = false;
  return options;
}

async function readSource(ctx: CommandContext, what: string): Promise<{ text: string; source: string }> {
  if (ctx.positionals.length > 1) {
    throw new UsageError(`expected one input file (or '-' for stdin), got ${ctx.positionals.length}.`);
  }
  const path = ctx.positionals[0] ?? '-';
  if (path === '-') {
    const text = await ctx.readStdin();
    if (text.trim() === '') {
      throw new TrustInputError(`no ${what} on stdin; pass a file, or pipe JSON Lines in.`);
    }
    return { text, source: 'stdin' };
  }
  try {
    return { text: await readFile(path, 'utf8'), source: path };
  } catch (e) {
    throw new TrustInputError(`cannot read ${path}: ${(e as Error).message}`);
  }
}

/**
 * A progress line on stderr, only when stderr is a terminal: redrawn in place (cursor up, clear line) at most
 * ten times a second, with the rate and an estimate of the time left.
 */
class Progress {
  private readonly t0 = performance.now();
  private drawn = false;
  private last = 0;

  constructor(
    private readonly ctx: CommandContext,
    private readonly label: string,
    private readonly unit: string,
  ) {}

  update(done: number, total: number, force = false): void {
    if (!this.ctx.interactive) return;
    const now = performance.now();
    if (!force && now - this.last < 100 && done < total) return;
    this.last = now;
    const width = 24;
    const filled = total > 0 ? Math.round((done / total) * width) : 0;
    const elapsed = (now - this.t0) / 1000;
    const eta = done > 0 && done < total ? `, ~${Math.ceil((elapsed / done) * (total - done))} s left` : '';
    const line = `${this.label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} ${this.unit} ${elapsed.toFixed(1)} s${eta}`;
    this.ctx.err(`${this.drawn ? '\x1b[1A\x1b[2K' : ''}${line}`);
    this.drawn = true;
  }
}

function fmt(x: number, digits = 3): string {
  return Number.isFinite(x) ? x.toFixed(digits) : 'n/a';
}

function oneLine(s: string, max: number): string {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}

function seconds(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${ms.toFixed(1)} ms`;
}

// ---------------------------------------------------------------------------------------------- score

const scoreCommand: Command = {
  name: 'score',
  summary: 'Sample answers to a prompt and score how far they scatter (higher = less trustworthy).',
  usage: '[options] <prompt...|->',
  description: `Sample N answers to one prompt from an OpenAI-compatible endpoint (vLLM, llama.cpp server, Ollama,
OpenAI) or a local model folder, wrap each as an excerpt about the prompt's topic, embed them, and print the
semantic isotropy score (arXiv 2510.21891): 0 = the answers agree, 1 = they point in unrelated directions.
Higher scores predict lower factual consistency. The prompt is the arguments joined, or stdin with '-'.

Examples:
  proj trust score --endpoint http://localhost:8000/v1 --model Qwen/Qwen2.5-7B-Instruct \\
    --embed-model BAAI/bge-large-en-v1.5 "Tell me a bio of Ada Lovelace."
  echo "Who was Kurt Gödel?" | proj trust score --model gpt-4.1-mini --embed-model text-embedding-3-small \\
    --endpoint https://api.openai.com/v1 -n 8 --json -`,
  options: { ...sampling, ...embedding, ...connection },
  run: runScore,
};

async function runScore(ctx: CommandContext): Promise<number> {
  const v = ctx.values;
  const conn = connectionOf(v);
  const n = intOpt(v, 'samples', 2);
  const temperature = numOpt(v, 'temperature', (x) => x >= 0, 'a number >= 0');
  const topP = numOpt(v, 'top-p', (x) => x > 0 && x <= 1, 'in (0, 1]');
  const maxNewTokens = intOpt(v, 'max-tokens', 1);
  const seed = v.seed === undefined ? undefined : intOpt(v, 'seed', Number.MIN_SAFE_INTEGER);
  const api = choice(v, 'api', ['chat', 'completions'] as const);
  const excerpt = excerptOf(v);
  let prompt = ctx.positionals.join(' ');
  if (ctx.positionals.length === 0 || prompt === '-') prompt = (await ctx.readStdin()).trim();
  if (prompt.trim() === '') {
    throw new UsageError("no prompt: pass it as arguments, or pipe it in with '-'.");
  }
  const roles: EndpointRole[] = [];
  const dir = str(v, 'model-dir');
  const url = str(v, 'endpoint') ?? process.env.OPENAI_BASE_URL;
  const modelName = str(v, 'model');
  if (dir !== undefined && modelName !== undefined) {
    throw new UsageError('pass either --model-dir (a local folder) or --model (on an endpoint), not both.');
  }
  if (dir === undefined && (!url || !modelName)) {
    throw new UsageError(
      'sampling needs --model <name> on --endpoint <url> (or $OPENAI_BASE_URL), or a local --model-dir <dir>.',
    );
  }
  const embedder = await embedderOf(v, conn, roles);
  const progress = new Progress(ctx, `sampling ${n} answers`, 'requests');
  let model: LanguageModel & { dispose?: () => Promise<void> };
  if (dir !== undefined) {
    if (ctx.interactive) ctx.err(`loading ${dir} and sampling ${n} answers...`);
    try {
      model = await loadLanguageModel(dir);
    } catch (e) {
      throw new TrustInputError(`--model-dir ${dir}: ${(e as Error).message}`, { cause: e });
    }
  } else {
    const baseURL = url as string;
    roles.push({
      url: baseURL,
      flags: `--endpoint ${baseURL} --model ${modelName}`,
      role: 'sampling',
      api: 'completions',
    });
    model = remote(
      '--endpoint',
      () =>
        new RemoteLanguageModel({
          baseURL,
          model: modelName as string,
          mode: api,
          logprobs: false,
          ...conn,
          onProgress: (p) => progress.update(p.done, p.total),
        }),
    );
  }
  const scorer = new TrustScorer({ model, embedder, n, temperature, topP, maxNewTokens, seed, excerpt });
  let result: TrustScore;
  try {
    result = await scorer.score(prompt, { topic: str(v, 'topic'), signal: ctx.signal });
  } catch (e) {
    throw explain(e, roles);
  } finally {
    await model.dispose?.();
  }
  if (v.json) {
    ctx.out(JSON.stringify({ model: model.id, embedder: embedder.id, ...result }, null, 2));
    return 0;
  }
  printScore(ctx, result, model.id, embedder.id);
  return 0;
}

function printScore(ctx: CommandContext, r: TrustScore, modelId: string, embedderId: string): void {
  const p = r.parts;
  const t = r.timings;
  ctx.out(
    `trust score ${fmt(r.score)}  (semantic isotropy: 0 = the answers agree, 1 = they scatter; higher = less trustworthy)`,
  );
  ctx.out(
    `  entropy      ${fmt(p.vonNeumann, 4)} nats of at most ln ${r.answers.length} = ${fmt(p.maxEntropy, 4)}`,
  );
  ctx.out(
    `  eigenvalues  ${p.eigenvalues
      .slice(0, 5)
      .map((x) => fmt(x))
      .join(' ')}${p.eigenvalues.length > 5 ? ' ...' : ''}`,
  );
  ctx.out(
    `  companions   resultant dispersion ${fmt(p.resultantDispersion)}, Renyi-2 entropy ${fmt(p.renyi2Entropy)}, mean cosine distance ${fmt(p.meanPairwiseCosineDistance)}`,
  );
  const cut = r.finishReasons?.filter((f) => f === 'length').length ?? 0;
  ctx.out(
    `  ${r.answers.length} answers from ${modelId}, embedded with ${embedderId}` +
      `${cut > 0 ? `; ${cut} hit --max-tokens` : ''}${r.truncated > 0 ? `; ${r.truncated} cut to --max-chars` : ''}`,
  );
  ctx.out(
    `  time         sampling ${seconds(t.samplingMs)}, embedding ${seconds(t.embeddingMs)}, scoring ${seconds(t.scoringMs)}`,
  );
  ctx.out('  answers:');
  r.answers.forEach((a, i) => {
    ctx.out(`  ${String(i + 1).padStart(3)}. ${oneLine(a, 100)}`);
  });
}

// ---------------------------------------------------------------------------------------------- responses

const responsesCommand: Command = {
  name: 'responses',
  summary: 'Score pre-generated answers from a JSONL file or stdin.',
  usage: '[options] [<file|->]',
  description: `Score answers you already have, one prompt per JSON line (file, or stdin with '-' or no file):
  {"prompt": "Tell me a bio of Ada Lovelace.", "responses": ["...", "...", "..."],
   "topic": "Ada Lovelace", "id": "q1", "embeddings": [[...], [...], [...]]}
"topic", "id" and "embeddings" are optional. Records without "embeddings" are embedded through
--embed-endpoint / --embed-model; with embeddings on every line the command runs offline.

Output: one line per prompt, in input order: score, number of answers, prompt. With --json, one JSON
object per input line (JSON Lines) with the score, its parts and timings.

Examples:
  proj trust responses --endpoint http://localhost:8000/v1 --embed-model BAAI/bge-small-en-v1.5 answers.jsonl
  cat answers.jsonl | proj trust responses --json - > scores.jsonl`,
  options: {
    endpoint: {
      type: 'string',
      valueName: 'url',
      description: 'Default API root for the embedder (default: $OPENAI_BASE_URL).',
    },
    ...embedding,
    ...connection,
  },
  run: runResponses,
};

async function runResponses(ctx: CommandContext): Promise<number> {
  const v = ctx.values;
  const conn = connectionOf(v);
  const excerpt = excerptOf(v);
  const { text, source } = await readSource(ctx, 'responses');
  const records = parseResponsesJsonl(text, { source });
  const roles: EndpointRole[] = [];
  const embedder = records.some((r) => r.embeddings === undefined)
    ? await embedderOf(v, conn, roles)
    : undefined;
  const scorer = new TrustScorer({ embedder, excerpt });
  const progress = new Progress(ctx, 'scoring', 'prompts');
  let results: TrustScore[];
  try {
    results = await scorer.scoreManyResponses(records, {
      concurrency: conn.concurrency,
      signal: ctx.signal,
      onProgress: ({ done, total }) => progress.update(done, total),
    });
  } catch (e) {
    throw explain(e, roles);
  }
  if (v.json) {
    results.forEach((r, i) => {
      const { answers: _a, prompt: _p, ...rest } = r;
      const id = records[i].id;
      ctx.out(
        JSON.stringify({
          ...(id === undefined ? {} : { id }),
          prompt: records[i].prompt,
          n: r.answers.length,
          ...rest,
        }),
      );
    });
    return 0;
  }
  const w = String(results.length).length;
  ctx.out(`${'#'.padStart(w)}  score    N  prompt`);
  results.forEach((r, i) => {
    const label = records[i].id === undefined ? '' : `[${records[i].id}] `;
    ctx.out(
      `${String(i + 1).padStart(w)}  ${fmt(r.score)}  ${String(r.answers.length).padStart(3)}  ${label}${oneLine(records[i].prompt, 70)}`,
    );
  });
  ctx.err(
    `scored ${results.length} prompt${results.length === 1 ? '' : 's'} (semantic isotropy in [0, 1]; higher = less trustworthy)`,
  );
  return 0;
}

// ---------------------------------------------------------------------------------------------- evaluate

const evaluateCommand: Command = {
  name: 'evaluate',
  summary: 'Compare estimators at predicting factuality on a labelled JSONL set (R^2, Spearman, AUROC).',
  usage: '[options] [<file|->]',
  description: `Score every prompt of a labelled set with semantic isotropy and the baselines, and report how well
each predicts factuality, side by side: R^2 of factuality ~ score (the paper's metric), Spearman's rho and
AUROC for detecting factuality < --threshold, each with a seeded bootstrap 95% interval. One prompt per line:
  {"prompt": "...", "responses": ["...", "..."], "factuality": 0.82, "embeddings": [[...], [...]]}
With "embeddings" on every line it runs offline; otherwise give --embed-endpoint / --embed-model.
--nli-model adds LUQ and discrete semantic entropy, with that model as an entailment judge; --nli-dir does the
same with a local NLI cross-encoder folder (e.g. an MNLI DeBERTa exported with optimum-cli).
--out <dir> writes report.json, report.md, and SVG plots (a scatter per estimator, roc.svg).

Examples:
  proj trust evaluate --out results/ labelled.jsonl
  proj trust evaluate --endpoint http://localhost:8000/v1 --embed-model BAAI/bge-small-en-v1.5 \\
    --nli-model Qwen/Qwen2.5-7B-Instruct --threshold 0.6 --json labelled.jsonl`,
  options: {
    endpoint: {
      type: 'string',
      valueName: 'url',
      description: 'Default API root for the embedder and the judge (default: $OPENAI_BASE_URL).',
    },
    threshold: {
      type: 'string',
      valueName: 'x',
      default: '0.5',
      description: 'Factuality below this counts as not trustworthy (AUROC).',
    },
    reps: { type: 'string', valueName: 'n', default: '1000', description: 'Bootstrap resamples.' },
    seed: { type: 'string', valueName: 'n', default: '0', description: 'Bootstrap seed.' },
    estimators: {
      type: 'string',
      valueName: 'a,b,...',
      description: `Estimators to compare (default: all; names: ${ESTIMATORS.map((e) => e.name).join(', ')}, luq, semanticEntropy).`,
    },
    out: {
      type: 'string',
      short: 'o',
      valueName: 'dir',
      description: 'Write report.json, report.md and SVG plots here.',
    },
    ...embedding,
    ...nli,
    ...connection,
  },
  run: runEvaluate,
};

async function runEvaluate(ctx: CommandContext): Promise<number> {
  const v = ctx.values;
  const conn = connectionOf(v);
  const threshold = numOpt(v, 'threshold', (x) => x > 0 && x <= 1, 'a number in (0, 1]');
  const reps = intOpt(v, 'reps', 1);
  const seed = intOpt(v, 'seed', 0);
  const excerpt = excerptOf(v);
  const roles: EndpointRole[] = [];
  let entailment: Entailment | undefined;
  let crossEncoder: LocalSequenceClassifier | undefined;
  const judgeModel = str(v, 'nli-model');
  const nliDir = str(v, 'nli-dir');
  if (judgeModel !== undefined && nliDir !== undefined)
    throw new UsageError('pass either --nli-model or --nli-dir, not both.');
  if (nliDir !== undefined) {
    try {
      crossEncoder = await LocalSequenceClassifier.fromFolder(nliDir);
      entailment = new CrossEncoderEntailment(crossEncoder);
    } catch (e) {
      await crossEncoder?.dispose();
      throw new TrustInputError(`--nli-dir ${nliDir}: ${(e as Error).message}`, { cause: e });
    }
  }
  if (judgeModel !== undefined) {
    const url = str(v, 'nli-endpoint') ?? str(v, 'endpoint') ?? process.env.OPENAI_BASE_URL;
    if (!url)
      throw new UsageError('--nli-model needs --nli-endpoint <url> (or --endpoint / $OPENAI_BASE_URL).');
    roles.push({
      url,
      flags: `--nli-endpoint ${url} --nli-model ${judgeModel}`,
      role: 'NLI judge',
      api: 'completions',
    });
    const judge = remote(
      '--nli-endpoint',
      () => new RemoteLanguageModel({ baseURL: url, model: judgeModel, logprobs: false, ...conn }),
    );
    entailment = new LlmJudgeEntailment(judge, {
      mode: choice(v, 'judge-format', ['label', 'probability'] as const),
    });
  }
  const available: EstimatorDescriptor[] = [...ESTIMATORS, ...(entailment ? nliEstimators(entailment) : [])];
  let estimators = available;
  const wanted = str(v, 'estimators');
  if (wanted !== undefined) {
    estimators = wanted.split(',').map((name) => {
      const found = available.find((e) => e.name === name.trim());
      if (!found) {
        const nliHint = ['luq', 'semanticEntropy'].includes(name.trim())
          ? ' (it needs --nli-model or --nli-dir)'
          : '';
        throw new UsageError(
          `unknown estimator '${name.trim()}'${nliHint}; use ${available.map((e) => e.name).join(', ')}.`,
        );
      }
      return found;
    });
  }
  const { text, source } = await readSource(ctx, 'labelled records');
  const records: EvaluationRecord[] = parseEvaluationJsonl(text, { source });
  const needsEmbedder =
    estimators.some((e) => e.needs === 'embeddings') && records.some((r) => r.embeddings === undefined);
  const embedder = needsEmbedder ? await embedderOf(v, conn, roles) : undefined;
  const out = str(v, 'out');
  const progress = new Progress(ctx, 'scoring', 'prompts');
  let result: Awaited<ReturnType<typeof evaluateRecords>>;
  try {
    result = await evaluateRecords(records, {
      threshold,
      reps,
      seed,
      estimators,
      embed: embedder ? (texts, o) => embedder.embed(texts, o) : undefined,
      embedText: excerptEmbedText(excerpt),
      plotsDir: out === undefined ? undefined : join(out, 'plots'),
      signal: ctx.signal,
      onProgress: ({ done, total }) => progress.update(done, total),
    });
  } catch (e) {
    throw explain(e, roles);
  } finally {
    await crossEncoder?.dispose();
  }
  const { report, plots } = result;
  const table = formatEvaluationTable(report);
  const files: Record<string, unknown> = {};
  if (out !== undefined) {
    const json = join(out, 'report.json');
    const md = join(out, 'report.md');
    await writeTextFileAtomic(json, `${JSON.stringify({ source, report, plots }, null, 2)}\n`);
    await writeTextFileAtomic(md, `# Trust estimators on ${source}\n\n${table}`);
    Object.assign(files, { report: json, table: md, plots });
  }
  if (v.json) {
    ctx.out(JSON.stringify({ source, report, ...(out === undefined ? {} : { files }) }, null, 2));
    return 0;
  }
  ctx.out(table.trimEnd());
  if (out !== undefined)
    ctx.err(
      `wrote ${join(out, 'report.json')}, report.md and ${Object.keys(plots?.scatter ?? {}).length + 1} plots in ${join(out, 'plots')}`,
    );
  return 0;
}

// ---------------------------------------------------------------------------------------------- group

/**
 * `proj trust`: trust scores for long-form LLM answers (semantic isotropy, arXiv 2510.21891) with
 * `score` (sample and score one prompt), `responses` (score pre-generated answers from JSONL) and `evaluate`
 * (compare estimators against factuality labels, with plots).
 *
 * @example
 * ```ts
 * import { trustCommand } from './commands/trust.js';
 * export const commands: Command[] = [demoCommand, rlCommand, trustCommand];
 * ```
 */
export const trustCommand: Command = {
  name: 'trust',
  summary: 'Trust scores for long-form answers from the spread of sampled answers (semantic isotropy).',
  description:
    'How far can you trust a long answer? Sample several answers to the same prompt, embed them, and measure how widely they spread (semantic isotropy, arXiv 2510.21891): higher = less trustworthy. Works with any OpenAI-compatible endpoint (vLLM, llama.cpp server, Ollama, OpenAI) or a local model folder.',
  subcommands: [scoreCommand, responsesCommand, evaluateCommand],
};
