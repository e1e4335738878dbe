/**
 * A model folder is missing a file, has malformed JSON, or its files do not fit together. The message names
 * the folder, the file and the fix.
 */
export class ModelFolderError extends Error {
  override name = 'ModelFolderError';
}
