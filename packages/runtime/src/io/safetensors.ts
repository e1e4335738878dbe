import { readFile } from 'node:fs/promises';
import { bytesPerElement, DTYPES, type DType } from '../tensor/dtype.js';
import { shapeSize, Tensor } from '../tensor/tensor.js';
import { writeFileAtomic } from './atomic.js';
import { SafetensorsError } from './errors.js';

/** Tensors to save: a plain object or a Map from tensor name to {@link Tensor}. */
export type SafetensorsTensors = Readonly<Record<string, Tensor>> | ReadonlyMap<string, Tensor>;

/** The free-form `__metadata__` of a safetensors file: string keys to string values (the format's rule). */
export type SafetensorsMetadata = Record<string, string>;

/** What {@link decodeSafetensors} / {@link loadSafetensors} return. */
export interface SafetensorsContents {
  /** Tensors in name order (UTF-8 byte order); each owns a fresh, aligned buffer. */
  tensors: Map<string, Tensor>;
  /** The file's `__metadata__` (empty when it has none). */
  metadata: SafetensorsMetadata;
}

/** Same limit as the reference Rust implementation: larger headers are refused before parsing. */
export const SAFETENSORS_MAX_HEADER_BYTES = 100_000_000;

const TO_ST: Readonly<Record<DType, string>> = {
  float32: 'F32',
  float64: 'F64',
  float16: 'F16',
  int8: 'I8',
  int32: 'I32',
  int64: 'I64',
  uint8: 'U8',
  bool: 'BOOL',
};
const FROM_ST = new Map<string, DType>(Object.entries(TO_ST).map(([d, s]) => [s, d as DType]));
/** Dtypes the format defines that @proj/runtime has no tensor type for (named in the error message). */
const KNOWN_UNSUPPORTED = new Set([
  'BF16',
  'I16',
  'U16',
  'U32',
  'U64',
  'F8_E4M3',
  'F8_E5M2',
  'F8_E8M0',
  'F4',
  'F6_E2M3',
  'F6_E3M2',
  'C64',
]);
const SUPPORTED_LIST = DTYPES.map((d) => TO_ST[d]).join(', ');
const METADATA_KEY = '__metadata__';

const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const utf8 = new TextEncoder();

function checkHost(): void {
  // Typed arrays use the host byte order and safetensors is little-endian; no supported Node platform is
  // big-endian, so refusing is safer than carrying an untested byte-swapping path.
  if (!littleEndian) throw new SafetensorsError('safetensors I/O needs a little-endian host.');
}

/** Compare by UTF-8 bytes (= code point order), as Python's sorted() and Rust do, not by UTF-16 units. */
function compareNames(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

function entriesOf(tensors: SafetensorsTensors): [string, Tensor][] {
  if (tensors === null || typeof tensors !== 'object') {
    throw new SafetensorsError('Tensors to save must be a Record<string, Tensor> or a Map<string, Tensor>.');
  }
  const entries: [string, Tensor][] =
    tensors instanceof Map ? [...tensors.entries()] : Object.entries(tensors as Record<string, Tensor>);
  for (const [name, t] of entries) {
    if (typeof name !== 'string' || name.length === 0) {
      throw new SafetensorsError('Tensor names must be non-empty strings.');
    }
    if (name === METADATA_KEY) {
      throw new SafetensorsError(
        `'${METADATA_KEY}' is reserved by the safetensors format for metadata; rename that tensor.`,
      );
    }
    if (!(t instanceof Tensor)) {
      throw new SafetensorsError(`Entry '${name}' is not a Tensor; wrap data with Tensor.fromArray() first.`);
    }
  }
  return entries.sort((a, b) => compareNames(a[0], b[0]));
}

function checkMetadata(metadata: unknown, where: string): SafetensorsMetadata {
  if (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata)) {
    throw new SafetensorsError(`'${METADATA_KEY}'${where} must be an object of string values.`);
  }
  const entries = Object.entries(metadata);
  for (const [k, v] of entries) {
    if (typeof v !== 'string') {
      throw new SafetensorsError(
        `Metadata value '${k}'${where} is a ${typeof v}; safetensors metadata maps strings to strings (use String() or JSON.stringify()).`,
      );
    }
  }
  // fromEntries defines own properties, so a key like "__proto__" stays data instead of setting the prototype
  return Object.fromEntries(entries);
}

/**
 * Serialise tensors to safetensors bytes: an 8-byte little-endian header length, a JSON header padded with
 * spaces to a multiple of 8 bytes, then each tensor's little-endian data, in name order.
 *
 * @throws {SafetensorsError} for a reserved or empty name, a non-Tensor entry or non-string metadata.
 * @example
 * ```ts
 * const bytes = encodeSafetensors({ 'lm_head.weight': Tensor.randn([4, 8], { seed: 1 }) }, { format: 'pt' });
 * ```
 */
export function encodeSafetensors(tensors: SafetensorsTensors, metadata?: SafetensorsMetadata): Uint8Array {
  checkHost();
  const entries = entriesOf(tensors);
  const header: [string, unknown][] = [];
  if (metadata !== undefined) {
    const meta = checkMetadata(metadata, '');
    if (Object.keys(meta).length > 0) header.push([METADATA_KEY, meta]);
  }
  let offset = 0;
  for (const [name, t] of entries) {
    const n = t.data.byteLength;
    header.push([name, { dtype: TO_ST[t.dtype], shape: [...t.shape], data_offsets: [offset, offset + n] }]);
    offset += n;
  }
  // built from entries so that any name (even "__proto__") becomes an own, serialised key
  const json = utf8.encode(JSON.stringify(Object.fromEntries(header)));
  const headerLen = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + headerLen + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLen), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLen);
  let pos = 8 + headerLen;
  for (const [, t] of entries) {
    const d = t.data;
    out.set(new Uint8Array(d.buffer, d.byteOffset, d.byteLength), pos);
    pos += d.byteLength;
  }
  return out;
}

interface HeaderEntry {
  name: string;
  dtype: DType;
  shape: number[];
  begin: number;
  end: number;
}

function isIndex(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

function parseEntry(name: string, raw: unknown, where: string): HeaderEntry {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new SafetensorsError(
      `Header entry '${name}'${where} is not an object with dtype, shape and data_offsets.`,
    );
  }
  const { dtype, shape, data_offsets: offsets } = raw as Record<string, unknown>;
  if (typeof dtype !== 'string')
    throw new SafetensorsError(`Tensor '${name}'${where} has no string 'dtype'.`);
  const d = FROM_ST.get(dtype);
  if (d === undefined) {
    const why = KNOWN_UNSUPPORTED.has(dtype)
      ? 'is not supported by @proj/runtime'
      : 'is not a safetensors dtype';
    throw new SafetensorsError(
      `Tensor '${name}'${where} has dtype '${dtype}', which ${why} (supported: ${SUPPORTED_LIST}); convert it before saving (e.g. torch: t.float()).`,
    );
  }
  if (!Array.isArray(shape) || !shape.every(isIndex)) {
    throw new SafetensorsError(`Tensor '${name}'${where} has an invalid shape ${JSON.stringify(shape)}.`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isIndex) || offsets[0] > offsets[1]) {
    throw new SafetensorsError(
      `Tensor '${name}'${where} has invalid data_offsets ${JSON.stringify(offsets)} (need [begin, end] with 0 <= begin <= end).`,
    );
  }
  const need = shapeSize(shape) * bytesPerElement(d);
  if (offsets[1] - offsets[0] !== need) {
    throw new SafetensorsError(
      `Tensor '${name}'${where}: data_offsets [${offsets[0]}, ${offsets[1]}] span ${offsets[1] - offsets[0]} bytes but ${dtype}[${shape.join(', ')}] needs ${need}.`,
    );
  }
  return { name, dtype: d, shape, begin: offsets[0], end: offsets[1] };
}

/** The format requires the tensors to tile the data section exactly: no overlap, no gap, nothing past the end. */
function checkLayout(entries: HeaderEntry[], dataLen: number, where: string): void {
  for (const e of entries) {
    if (e.end > dataLen) {
      throw new SafetensorsError(
        `Tensor '${e.name}'${where} has data_offsets [${e.begin}, ${e.end}] past the end of the ${dataLen}-byte data section (truncated file?).`,
      );
    }
  }
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let expected = 0;
  let prev: HeaderEntry | undefined;
  for (const e of sorted) {
    if (e.begin < expected) {
      throw new SafetensorsError(
        `Tensors '${prev?.name}' and '${e.name}'${where} overlap (byte ${e.begin} < ${expected}); each tensor needs its own bytes.`,
      );
    }
    if (e.begin > expected) {
      throw new SafetensorsError(
        `Bytes ${expected}..${e.begin} of the data section${where} belong to no tensor (before '${e.name}'); the format allows no gaps.`,
      );
    }
    expected = e.end;
    prev = e;
  }
  if (expected !== dataLen) {
    throw new SafetensorsError(
      `The data section${where} has ${dataLen - expected} trailing bytes after the last tensor; the file is corrupt or not safetensors.`,
    );
  }
}

/**
 * Parse safetensors bytes. Tensors are copied into fresh typed arrays (aligned, independent of `bytes`).
 *
 * @param options.source A file name to quote in error messages.
 * @throws {SafetensorsError} for truncated data, a header over {@link SAFETENSORS_MAX_HEADER_BYTES}, bad JSON,
 *   unknown or unsupported dtypes, offsets that overlap / leave gaps / run past the data, or BOOL bytes not 0/1.
 * @example
 * ```ts
 * const { tensors, metadata } = decodeSafetensors(bytes);
 * tensors.get('lm_head.weight')?.shape;
 * ```
 */
export function decodeSafetensors(bytes: Uint8Array, options: { source?: string } = {}): SafetensorsContents {
  checkHost();
  const where = options.source === undefined ? '' : ` in ${options.source}`;
  if (!(bytes instanceof Uint8Array)) throw new SafetensorsError('decodeSafetensors expects a Uint8Array.');
  if (bytes.length < 8) {
    throw new SafetensorsError(
      `Safetensors data${where} is ${bytes.length} bytes, shorter than the 8-byte header length.`,
    );
  }
  const n = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(SAFETENSORS_MAX_HEADER_BYTES)) {
    throw new SafetensorsError(
      `Safetensors header${where} claims ${n} bytes, over the ${SAFETENSORS_MAX_HEADER_BYTES}-byte limit: not a safetensors file, or corrupt.`,
    );
  }
  const headerLen = Number(n);
  if (8 + headerLen > bytes.length) {
    throw new SafetensorsError(
      `Safetensors header${where} claims ${headerLen} bytes but only ${bytes.length - 8} follow: the file is truncated.`,
    );
  }
  let header: unknown;
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLen));
    if (!text.startsWith('{')) throw new Error('it does not start with "{"');
    header = JSON.parse(text);
  } catch (err) {
    throw new SafetensorsError(
      `Safetensors header${where} is not a UTF-8 JSON object (${(err as Error).message}): not a safetensors file, or corrupt.`,
    );
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) {
    throw new SafetensorsError(`Safetensors header${where} is not a JSON object.`);
  }
  let metadata: SafetensorsMetadata = {};
  const entries: HeaderEntry[] = [];
  for (const [name, raw] of Object.entries(header)) {
    if (name === METADATA_KEY) metadata = checkMetadata(raw, where);
    else entries.push(parseEntry(name, raw, where));
  }
  const dataStart = 8 + headerLen;
  checkLayout(entries, bytes.length - dataStart, where);
  entries.sort((a, b) => compareNames(a.name, b.name));
  const tensors = new Map<string, Tensor>();
  for (const e of entries) {
    const t = Tensor.zeros(e.shape, e.dtype);
    const src = bytes.subarray(dataStart + e.begin, dataStart + e.end);
    if (e.dtype === 'bool') {
      const bad = src.findIndex((b) => b > 1);
      if (bad >= 0) {
        throw new SafetensorsError(
          `BOOL tensor '${e.name}'${where} holds byte ${src[bad]} at element ${bad}; BOOL bytes must be 0 or 1.`,
        );
      }
    }
    new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength).set(src);
    tensors.set(e.name, t);
  }
  return { tensors, metadata };
}

/**
 * Save tensors as a .safetensors file, atomically (temporary file + rename): a crash never leaves half a file.
 *
 * @throws {SafetensorsError} as {@link encodeSafetensors}; file system errors pass through.
 * @example
 * ```ts
 * await saveSafetensors('model.safetensors', new Map([['w', Tensor.randn([2, 2], { seed: 1 })]]), { format: 'pt' });
 * ```
 */
export async function saveSafetensors(
  path: string,
  tensors: SafetensorsTensors,
  metadata?: SafetensorsMetadata,
): Promise<void> {
  await writeFileAtomic(path, encodeSafetensors(tensors, metadata));
}

/**
 * Load a .safetensors file (the whole file is read; tensors get their own aligned buffers).
 *
 * @throws {SafetensorsError} naming the file when it cannot be read or is malformed (see {@link decodeSafetensors}).
 * @example
 * ```ts
 * const { tensors, metadata } = await loadSafetensors('model.safetensors');
 * ```
 */
export async function loadSafetensors(path: string): Promise<SafetensorsContents> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw new SafetensorsError(`Cannot read safetensors file ${path}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  return decodeSafetensors(bytes, { source: path });
}
