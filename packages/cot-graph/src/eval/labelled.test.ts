import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CotInputError } from '../errors.js';
import { extractHeuristicGraph } from '../extract/heuristic.js';
import { failedSpans, parseLabelledTrace, scoreFailedMarking, sumScores } from './labelled.js';

const root = join(import.meta.dirname, 'fixtures');

describe('labelled-trace format', () => {
  it('strips markers and records failed spans', () => {
    const t = parseLabelledTrace('# problem: 2x = 6\n# answer: 3\n---\n⟦x = 2? Too small.⟧ x = 3.\n', 'demo');
    expect(t).toEqual({
      id: 'demo',
      problem: '2x = 6',
      answer: '3',
      trace: 'x = 2? Too small. x = 3.',
      failed: [{ start: 0, end: 17 }],
    });
  });

  it('rejects unbalanced markers, naming the line', () => {
    expect(() => parseLabelledTrace('a\n⟦b ⟦c⟧', 'x')).toThrow(/nested '⟦' at body line 2/);
    expect(() => parseLabelledTrace('a⟧')).toThrow(CotInputError);
    expect(() => parseLabelledTrace('⟦a')).toThrow(/never closed/);
  });
});

describe('scoreFailedMarking (hand-computed)', () => {
  it('scores sentences and characters', () => {
    // Sentences: "Aa." [0,3) "Bb." [4,7) "Cc." [8,11). Gold: Bb. Predicted: Aa. and Bb.
    const s = scoreFailedMarking('Aa. Bb. Cc.', [{ start: 0, end: 7 }], [{ start: 4, end: 7 }]);
    expect(s.sentences).toMatchObject({ tp: 1, fp: 1, fn: 0, precision: 0.5, recall: 1 });
    expect(s.sentences.f1).toBeCloseTo(2 / 3, 12);
    // Non-space characters: predicted 6 (Aa.Bb.), gold 3 (Bb.), overlap 3.
    expect(s.characters).toMatchObject({ tp: 3, fp: 3, fn: 0, precision: 0.5, recall: 1 });
    const none = scoreFailedMarking('Aa.', [], []);
    expect(none.sentences).toMatchObject({ precision: 1, recall: 1 });
    expect(sumScores([s, s]).sentences).toMatchObject({ tp: 2, fp: 2, fn: 0 });
  });
});

/** Score the heuristic extractor on one fixture folder. */
function scoreFolder(folder: string) {
  const dir = join(root, 'labelled', folder);
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.txt'))
    .sort();
  return {
    traces: files.length,
    ...sumScores(
      files.map((f) => {
        const t = parseLabelledTrace(readFileSync(join(dir, f), 'utf8'), f);
        const { graph } = extractHeuristicGraph(t.trace, { problem: t.problem });
        expect(graph.validate().valid).toBe(true);
        return scoreFailedMarking(t.trace, failedSpans(graph), t.failed);
      }),
    ),
  };
}

describe('heuristic extractor on the hand-labelled traces', () => {
  const recorded = JSON.parse(readFileSync(join(root, 'heuristic-scores.json'), 'utf8'));

  it('reproduces the precision / recall recorded by scripts/measure-heuristic.ts', () => {
    expect(scoreFolder('dev')).toEqual(recorded.dev);
    expect(scoreFolder('held-out-2')).toEqual(recorded['held-out-2']);
  });

  it('the README reports the recorded numbers', () => {
    const readme = readFileSync(join(import.meta.dirname, '..', '..', 'README.md'), 'utf8');
    for (const set of ['dev', 'held-out-2'] as const) {
      for (const unit of ['sentences', 'characters'] as const) {
        const s = recorded[set][unit];
        const row = `| ${set} | ${recorded[set].traces} | ${unit} | ${s.precision.toFixed(2)} | ${s.recall.toFixed(2)} | ${s.f1.toFixed(2)} |`;
        expect(readme).toContain(row);
      }
    }
  });
});
