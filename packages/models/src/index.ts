/**
 * @proj/models: transformer families, tokenizers, generation, and local / remote model endpoints.
 *
 * @packageDocumentation
 */
export type * from './interfaces.js';
