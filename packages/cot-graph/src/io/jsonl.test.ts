import { describe, expect, it } from 'vitest';
import { JsonlError } from '../errors.js';
import { parseTraceJsonl } from './jsonl.js';

describe('parseTraceJsonl', () => {
  it('reads records, aliases, groups and precomputed graphs', () => {
    const text = [
      '{"id": 7, "trace": "a", "problem": "P", "correct": true}',
      '',
      '{"cot": "b", "problem_id": 3}',
      '{"reasoning": "c", "dot": "digraph { p [kind=problem]; a [kind=answer]; p -> a }"}',
    ].join('\n');
    const r = parseTraceJsonl(text, 'in.jsonl');
    expect(r.map((x) => [x.id, x.line, x.trace, x.group, x.correct])).toEqual([
      ['7', 1, 'a', 'P', true],
      ['line-3', 3, 'b', '3', undefined],
      ['line-4', 4, 'c', undefined, undefined],
    ]);
    expect(r[2].graph?.answer?.id).toBe('a');
  });

  it.each([
    ['{"trace": "a"}\n{oops', 2, 'invalid JSON'],
    ['[1]', 1, 'expected a JSON object'],
    ['{"text": "a"}', 1, 'missing the "trace" field'],
    ['{"trace": 5}', 1, '"trace" must be a string'],
    ['{"trace": "a", "correct": "yes"}', 1, '"correct" must be true or false'],
    ['{"trace": "a", "dot": "digraph {"}', 1, 'bad graph: DOT syntax error at line 1'],
    ['{"trace": "a", "graph": {"nodes": []}}', 1, 'bad graph: Bad reasoning-graph JSON at $.edges'],
  ])('%s -> line %i: %s', (text, line, msg) => {
    let err: unknown;
    try {
      parseTraceJsonl(text, 'f.jsonl');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(JsonlError);
    expect((err as JsonlError).line).toBe(line);
    expect((err as JsonlError).message).toContain(`f.jsonl:${line}: ${msg}`);
  });
});
