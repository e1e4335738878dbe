/**
 * Measures the heuristic extractor's failed-step marking against the hand-labelled traces and writes
 * src/eval/fixtures/heuristic-scores.json (read by the tests and quoted in the README). `dev` is the set the rules
 * were tuned on; `held-out-2` was written and labelled before the rules it measures and must not be used for tuning.
 *
 *   npx tsx --conditions=@proj/source packages/cot-graph/scripts/measure-heuristic.ts
 */
import { readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  extractHeuristicGraph,
  failedSpans,
  parseLabelledTrace,
  scoreFailedMarking,
  sumScores,
} from '../src/index.js';

const root = join(import.meta.dirname, '..', 'src', 'eval', 'fixtures');
const out: Record<string, unknown> = {};
for (const folder of ['dev', 'held-out-2']) {
  const dir = join(root, 'labelled', folder);
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.txt'))
    .sort();
  const scores = files.map((f) => {
    const t = parseLabelledTrace(readFileSync(join(dir, f), 'utf8'), f);
    const { graph } = extractHeuristicGraph(t.trace, { problem: t.problem });
    const s = scoreFailedMarking(t.trace, failedSpans(graph), t.failed);
    console.log(
      `${folder}/${f}: sentence P ${s.sentences.precision.toFixed(2)} R ${s.sentences.recall.toFixed(2)}`,
    );
    return s;
  });
  out[folder] = { traces: files.length, ...sumScores(scores) };
}
console.log('\n| set | traces | unit | precision | recall | F1 |\n|---|---|---|---|---|---|');
for (const [set, v] of Object.entries(out) as [
  string,
  Record<string, { precision: number; recall: number; f1: number } | number>,
][]) {
  for (const unit of ['sentences', 'characters']) {
    const s = v[unit] as { precision: number; recall: number; f1: number };
    console.log(
      `| ${set} | ${v.traces} | ${unit} | ${s.precision.toFixed(2)} | ${s.recall.toFixed(2)} | ${s.f1.toFixed(2)} |`,
    );
  }
}
const path = join(root, 'heuristic-scores.json');
writeFileSync(`${path}.tmp`, `${JSON.stringify(out, null, 2)}\n`);
renameSync(`${path}.tmp`, path);
