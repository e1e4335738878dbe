import { readFile } from 'node:fs/promises';
import { JsonlError } from '../errors.js';

/**
 * One prompt and its sampled responses, with optionally precomputed embeddings of the responses (one row per
 * response, in order): a line of the files that `proj trust responses` and {@link parseResponsesJsonl} read.
 */
export interface ResponsesRecord {
  /** The prompt the responses answer. */
  prompt: string;
  /** N >= 2 sampled responses to the prompt. */
  responses: string[];
  /** Optional precomputed embeddings, `embeddings[i]` for `responses[i]`; all rows of equal length. */
  embeddings?: number[][];
  /** Optional topic for the excerpt wrapper (default: the prompt). */
  topic?: string;
  /** Optional identifier, kept for reports. */
  id?: string;
}

/** One prompt of an evaluation set: a {@link ResponsesRecord} with its factuality label. */
export interface EvaluationRecord extends ResponsesRecord {
  /** Factuality in [0, 1], e.g. the fraction of the responses' atomic statements that an LLM judge found true. */
  factuality: number;
}

/** Options of {@link parseEvaluationJsonl}. */
export interface ParseJsonlOptions {
  /** Name used in error messages, e.g. the file path. Default '<jsonl>'. */
  source?: string;
}

function isRecordObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function validate(value: unknown, source: string, line: number, labelled: boolean): EvaluationRecord {
  const fail = (problem: string): never => {
    throw new JsonlError(source, line, problem);
  };
  if (!isRecordObject(value)) {
    const fields = labelled ? '{"prompt", "responses", "factuality"}' : '{"prompt", "responses"}';
    return fail(`expected a JSON object ${fields}, got ${Array.isArray(value) ? 'an array' : typeof value}.`);
  }
  const { prompt, responses, factuality, embeddings, id, topic } = value;
  if (typeof prompt !== 'string') fail(`"prompt" must be a string, got ${typeof prompt}.`);
  if (!Array.isArray(responses)) fail('"responses" must be an array of strings (the sampled answers).');
  const texts = responses as unknown[];
  if (texts.length < 2)
    fail(`"responses" has ${texts.length} entries; estimators need at least 2 samples per prompt.`);
  texts.forEach((t, i) => {
    if (typeof t !== 'string')
      fail(`"responses"[${i}] must be a string, got ${t === null ? 'null' : typeof t}.`);
  });
  const badLabel =
    typeof factuality !== 'number' || !Number.isFinite(factuality) || factuality < 0 || factuality > 1;
  if (badLabel && (labelled || factuality !== undefined)) {
    fail(
      `"factuality" must be a number in [0, 1] (fraction of true statements), got ${JSON.stringify(factuality)}.`,
    );
  }
  if (id !== undefined && typeof id !== 'string')
    fail(`"id" must be a string when present, got ${typeof id}.`);
  if (topic !== undefined && typeof topic !== 'string')
    fail(`"topic" must be a string when present, got ${typeof topic}.`);
  const record = { prompt: prompt as string, responses: texts as string[] } as EvaluationRecord;
  if (factuality !== undefined) record.factuality = factuality as number;
  if (id !== undefined) record.id = id as string;
  if (topic !== undefined) record.topic = topic as string;
  if (embeddings !== undefined) {
    if (!Array.isArray(embeddings) || embeddings.length !== texts.length) {
      fail(
        `"embeddings" must be an array with one row per response (${texts.length}), got ` +
          `${Array.isArray(embeddings) ? `${embeddings.length} rows` : typeof embeddings}.`,
      );
    }
    const rows = embeddings as unknown[];
    const d = Array.isArray(rows[0]) ? rows[0].length : -1;
    rows.forEach((row, i) => {
      if (!Array.isArray(row) || row.length !== d || d === 0) {
        fail(`"embeddings"[${i}] must be a non-empty array of numbers as long as row 0 (${d}).`);
      }
      (row as unknown[]).forEach((v, j) => {
        if (typeof v !== 'number' || !Number.isFinite(v)) {
          fail(`"embeddings"[${i}][${j}] is ${JSON.stringify(v)}; embeddings must be finite numbers.`);
        }
      });
    });
    record.embeddings = rows as number[][];
  }
  return record;
}

function parseLines(text: string, source: string, labelled: boolean): EvaluationRecord[] {
  if (typeof text !== 'string') {
    throw new JsonlError(source, 1, `expected the file's text (a string), got ${typeof text}.`);
  }
  const lines = text.replace(/^\uFEFF/, '').split('\n');
  const records: EvaluationRecord[] = [];
  lines.forEach((raw, i) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (e) {
      throw new JsonlError(
        source,
        i + 1,
        `invalid JSON (${(e as Error).message}); each line must hold one complete JSON object.`,
      );
    }
    records.push(validate(value, source, i + 1, labelled));
  });
  if (records.length === 0) {
    throw new JsonlError(source, 1, 'no records found; the file needs one JSON object per line.');
  }
  return records;
}

/**
 * Parse an evaluation set in JSON Lines form: one JSON object per line with `prompt` (string), `responses`
 * (at least 2 strings), `factuality` (number in [0, 1]) and optionally `embeddings` (one numeric row per
 * response), `topic` and `id`. Blank lines are skipped; other fields are ignored.
 *
 * @throws {JsonlError} at the first bad line, with its 1-based line number and what to fix.
 * @example
 * ```ts
 * const records = parseEvaluationJsonl('{"prompt":"Who was Ada Lovelace?","responses":["...","..."],"factuality":0.8}\n');
 * records[0].responses.length; // 2
 * ```
 */
export function parseEvaluationJsonl(text: string, options: ParseJsonlOptions = {}): EvaluationRecord[] {
  return parseLines(text, options.source ?? '<jsonl>', true);
}

/**
 * Parse unlabelled responses in JSON Lines form: like {@link parseEvaluationJsonl}, but `factuality` is
 * optional (checked when present).
 *
 * @throws {JsonlError} at the first bad line, with its 1-based line number and what to fix.
 * @example
 * ```ts
 * const [rec] = parseResponsesJsonl('{"prompt":"Name a prime.","responses":["2","7","11"]}');
 * rec.responses.length; // 3
 * ```
 */
export function parseResponsesJsonl(text: string, options: ParseJsonlOptions = {}): ResponsesRecord[] {
  return parseLines(text, options.source ?? '<jsonl>', false);
}

/**
 * Read and parse an evaluation JSONL file (UTF-8); see {@link parseEvaluationJsonl} for the format.
 *
 * @throws {JsonlError} for a bad line (the error names the file and line); Node's error if it cannot be read.
 * @example
 * ```ts
 * const records = await readEvaluationJsonl('data/factscore-bio.jsonl');
 * ```
 */
export async function readEvaluationJsonl(path: string): Promise<EvaluationRecord[]> {
  const text = await readFile(path, 'utf8');
  return parseEvaluationJsonl(text, { source: path });
}
