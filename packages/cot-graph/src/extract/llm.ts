import type { ChatMessage, GenerateOptions, LanguageModel } from '@proj/models';
import { graphFromDot } from '../dot/to-graph.js';
import { CotInputError, DotSyntaxError, ExtractionError, GraphError } from '../errors.js';
import { ReasoningGraph } from '../graph/graph.js';
import { alignNodesToTrace } from './align.js';
import { COT_GRAPH_SYSTEM_PROMPT, extractionMessages, retryMessage } from './prompt.js';
import type { ExtractionResult, ExtractOptions, GraphExtractor } from './types.js';

/** Options of {@link LlmExtractor}. */
export interface LlmExtractorOptions {
  /** Any model; only `generate` is used (chat prompts). */
  model: LanguageModel;
  /** Calls per trace before giving up: the first plus retries with the error fed back. Default 3. */
  maxAttempts?: number;
  /** Sampling options; defaults: temperature 0, maxNewTokens 4096. */
  generate?: Omit<GenerateOptions, 'n' | 'signal'>;
  /** Replace the package's prompt (it must keep the DOT-with-colours contract). */
  systemPrompt?: string;
}

/** What {@link LlmExtractor.extract} returns. */
export interface LlmExtractionResult extends ExtractionResult {
  /** The model's DOT answer that was used. */
  dot: string;
  /** Model calls it took (1 = first try). */
  attempts: number;
  /** Step and answer nodes mapped to a span of the trace. */
  located: number;
}

/**
 * The paper's extractor: one model call per trace returning Graphviz DOT with `fillcolor=lightblue` (successful)
 * / `lightpink` (failed) nodes. The answer is parsed tolerantly ({@link parseDot}) and validated; when it does not
 * parse or breaks a graph rule, the model is shown its answer and the error (with the line) and asked again, up to
 * `maxAttempts` calls. Nodes are mapped back to the trace through their verbatim `quote` attribute.
 *
 * @example
 * ```ts
 * const extractor = new LlmExtractor({ model }); // any LanguageModel, e.g. a remote OpenAI-compatible endpoint
 * const { graph, attempts } = await extractor.extract(trace, { problem });
 * failedStepFraction(graph);
 * ```
 */
export class LlmExtractor implements GraphExtractor {
  private readonly model: LanguageModel;
  private readonly maxAttempts: number;
  private readonly gen: Omit<GenerateOptions, 'n' | 'signal'>;
  private readonly systemPrompt: string;

  constructor(options: LlmExtractorOptions) {
    if (!options || typeof options.model?.generate !== 'function') {
      throw new CotInputError('LlmExtractor needs { model } with a generate() method (a LanguageModel).');
    }
    this.model = options.model;
    this.maxAttempts = options.maxAttempts ?? 3;
    if (!Number.isInteger(this.maxAttempts) || this.maxAttempts < 1) {
      throw new CotInputError(`maxAttempts must be an integer >= 1, got ${this.maxAttempts}.`);
    }
    this.gen = { temperature: 0, maxNewTokens: 4096, ...options.generate };
    this.systemPrompt = options.systemPrompt ?? COT_GRAPH_SYSTEM_PROMPT;
  }

  /**
   * Extract the graph of one trace.
   *
   * @throws {ExtractionError} when no answer in `maxAttempts` calls gives a valid graph; `attempts` lists why.
   * @example
   * ```ts
   * const { graph, warnings } = await new LlmExtractor({ model }).extract(trace, { problem });
   * ```
   */
  async extract(trace: string, options: ExtractOptions = {}): Promise<LlmExtractionResult> {
    if (typeof trace !== 'string' || trace.trim() === '') {
      throw new CotInputError('The trace must be a non-empty string.');
    }
    let messages: ChatMessage[] = extractionMessages(trace, options.problem, this.systemPrompt);
    const failures: string[] = [];
    for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
      const out = await this.model.generate([messages], { ...this.gen, n: 1, signal: options.signal });
      const g = out[0]?.[0];
      const text = g?.text ?? '';
      try {
        const parsed = graphFromDot(text);
        const v = parsed.graph.validate();
        if (!v.valid) throw new GraphError(v.errors, 'The graph breaks the rules');
        const aligned = alignNodesToTrace(
          parsed.graph,
          trace,
          new Map([...parsed.attributes].map(([id, a]) => [id, a.quote])),
        );
        const problemText = options.problem;
        const graph = problemText ? rootText(aligned.graph, problemText) : aligned.graph;
        return {
          graph,
          warnings: [...parsed.warnings, ...v.warnings.map((w) => w.message), ...aligned.warnings],
          dot: text,
          attempts: attempt,
          located: aligned.located,
        };
      } catch (e) {
        if (!(e instanceof DotSyntaxError || e instanceof GraphError)) throw e;
        const cut =
          g?.finishReason === 'length'
            ? ' (the answer was cut off at maxNewTokens; raise generate.maxNewTokens)'
            : '';
        failures.push(`attempt ${attempt}: ${e.message}${cut}`);
        messages = [...messages, { role: 'assistant', content: text }, retryMessage(e.message)];
      }
    }
    throw new ExtractionError(
      `The model gave no usable reasoning graph in ${this.maxAttempts} attempt(s). Last problem: ${failures[failures.length - 1]}`,
      failures,
    );
  }

  /**
   * Extract many traces with at most `concurrency` requests in flight (default 4); results keep input order.
   *
   * @example
   * ```ts
   * const results = await extractor.extractAll(traces.map((trace) => ({ trace, problem })), { concurrency: 8 });
   * ```
   */
  async extractAll(
    items: readonly { trace: string; problem?: string }[],
    options: { concurrency?: number; signal?: AbortSignal } = {},
  ): Promise<LlmExtractionResult[]> {
    const concurrency = options.concurrency ?? 4;
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new CotInputError(`concurrency must be an integer >= 1, got ${concurrency}.`);
    }
    const results = new Array<LlmExtractionResult>(items.length);
    let next = 0;
    const worker = async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await this.extract(items[i].trace, {
          problem: items[i].problem,
          signal: options.signal,
        });
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
    return results;
  }
}

/** The problem node's text becomes the given problem statement (the model usually labels it just "Problem"). */
function rootText(graph: ReasoningGraph, problem: string): ReasoningGraph {
  return new ReasoningGraph(
    graph.nodes.map((n) => (n.kind === 'problem' ? { ...n, text: problem } : n)),
    graph.edges,
  );
}
