import { ResponseInputError } from '../errors.js';
import { MIN_RESPONSES } from '../estimators/gram.js';

/** Throws a ResponseInputError unless `responses` is an array of at least 2 strings; `fn` names the caller. */
export function checkResponses(fn: string, responses: readonly string[]): void {
  if (!Array.isArray(responses)) {
    throw new ResponseInputError(`${fn}: responses must be an array of strings, got ${typeof responses}.`);
  }
  if (responses.length < MIN_RESPONSES) {
    throw new ResponseInputError(
      `${fn}: needs at least ${MIN_RESPONSES} responses, got ${responses.length}; sample more answers per prompt.`,
    );
  }
  responses.forEach((r, i) => {
    if (typeof r !== 'string') {
      throw new ResponseInputError(
        `${fn}: responses[${i}] is ${r === null ? 'null' : typeof r}, not a string.`,
      );
    }
  });
}
