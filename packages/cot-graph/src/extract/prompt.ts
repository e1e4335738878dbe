import type { ChatMessage } from '@proj/models';

/**
 * The extraction contract (after the paper: one call per trace, Graphviz DOT, `lightblue` = successful step,
 * `lightpink` = failed attempt, `rankdir=TB`, every attempt included, no reordering). The `kind` and `quote`
 * attributes are this package's additions: `kind` fixes the root and the sink, `quote` lets the extractor map each
 * node back to its place in the trace.
 *
 * @example
 * ```ts
 * new LlmExtractor({ model, systemPrompt: `${COT_GRAPH_SYSTEM_PROMPT}\nLabels in French.` });
 * ```
 */
export const COT_GRAPH_SYSTEM_PROMPT = `You turn a model's reasoning trace into a graph of its reasoning steps, written in Graphviz DOT.

Rules:
1. Output exactly one graph: \`digraph CoT { ... }\` inside a \`\`\`dot code block, and nothing else.
2. Start the body with: rankdir=TB; node [shape=box, style=filled];
3. One node \`problem\` [kind=problem, label="Problem", fillcolor=lightblue] is the root: it is the only node without incoming edges.
4. One node \`answer\` [kind=answer, fillcolor=lightblue] holds the final answer (label = the answer). It has no outgoing edges.
5. Every distinct reasoning step gets one node s1, s2, s3, ... numbered in the order the steps appear in the trace. Include every attempt, also the abandoned ones. Do not reorder, merge or skip attempts.
6. Each step node has: label = a summary of at most 12 words; quote = the first 5 to 12 words of the step copied exactly from the trace; fillcolor.
7. fillcolor=lightblue: the step belongs to reasoning that was kept. fillcolor=lightpink: the step belongs to an attempt that was abandoned or found wrong. Every step below a pink step in the same failed attempt is pink too.
8. Draw A -> B when step B uses information from step A. A new attempt branches from the step it restarts from, never from the abandoned dead end. Every lightblue path ends at \`answer\`.
9. Quote strings with double quotes; escape inner double quotes as \\".

Example:
\`\`\`dot
digraph CoT {
  rankdir=TB; node [shape=box, style=filled];
  problem [kind=problem, label="Problem", fillcolor=lightblue];
  s1 [label="Guess x = 2", quote="Let me try x = 2", fillcolor=lightpink];
  s2 [label="2 * 2 = 4, too small", quote="Then 2x = 4, which is", fillcolor=lightpink];
  s3 [label="Divide both sides by 2: x = 3", quote="Dividing both sides by 2 gives", fillcolor=lightblue];
  answer [kind=answer, label="x = 3", fillcolor=lightblue];
  problem -> s1 -> s2;
  problem -> s3 -> answer;
}
\`\`\``;

/**
 * The chat messages of an extraction request.
 *
 * @example
 * ```ts
 * const messages = extractionMessages(trace, 'Solve 2x = 6.');
 * await model.generate([messages], { temperature: 0 });
 * ```
 */
export function extractionMessages(
  trace: string,
  problem?: string,
  systemPrompt = COT_GRAPH_SYSTEM_PROMPT,
): ChatMessage[] {
  const user = [
    problem ? `Problem:\n${problem}\n` : '',
    'Reasoning trace (between the markers):',
    '<<<TRACE',
    trace,
    'TRACE>>>',
    '',
    'Return the DOT graph.',
  ]
    .filter((l, i) => i > 0 || l !== '')
    .join('\n');
  return [
    { role: 'system', content: systemPrompt },
    { role: 'user', content: user },
  ];
}

/**
 * The follow-up message after an unusable answer: the error (with its line) and a request for the whole graph.
 *
 * @example
 * ```ts
 * retryMessage('DOT syntax error at line 3 ...').role; // 'user'
 * ```
 */
export function retryMessage(error: string): ChatMessage {
  return {
    role: 'user',
    content: `Your graph could not be used:\n${error}\nFix this and return the complete corrected DOT graph in one \`\`\`dot block, following all the rules.`,
  };
}
