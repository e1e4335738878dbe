/**
 * A model folder is missing a file, has malformed JSON, or its files do not fit together. The message names
 * the folder, the file and the fix.
 * @example
 * ```ts
 * try { await loadLanguageModel('models/missing'); } catch (e) { if (e instanceof ModelFolderError) console.error(e.message); }
 * ```
 */
export class ModelFolderError extends Error {
  /** `'ModelFolderError'`. */
  override name = 'ModelFolderError';
}
