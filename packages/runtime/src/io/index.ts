/** Tensor file formats: safetensors read/write, and atomic file writes. */
export { writeFileAtomic } from './atomic.js';
export { SafetensorsError } from './errors.js';
export {
  decodeSafetensors,
  encodeSafetensors,
  loadSafetensors,
  SAFETENSORS_MAX_HEADER_BYTES,
  type SafetensorsContents,
  type SafetensorsMetadata,
  type SafetensorsTensors,
  saveSafetensors,
} from './safetensors.js';
