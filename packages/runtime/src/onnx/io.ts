/**
 * ONNX files on disk: loading with external data, and atomic saving that can move large initializers into one
 * external data file (the layout onnx.save_model(save_as_external_data=True) writes and ONNX Runtime reads).
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { type FileHandle, open, readFile, rename, unlink } from 'node:fs/promises';
import * as path from 'node:path';
import { copyPresence, type DecodeModelOptions, decodeModel, encodeModel } from './codec.js';
import { OnnxFileError, OnnxModelError } from './errors.js';
import { DataLocation, type ModelProto, type TensorProto } from './types.js';
import { forEachTensor, rewriteModel } from './walk.js';

/**
 * Reads `length` bytes (or up to the end of the file when undefined) at `offset` of an external data file named by
 * its `location` relative to the model's folder. Matches `TensorFromProtoOptions.readExternal`.
 */
export type ReadExternal = (location: string, offset: number, length: number | undefined) => Uint8Array;

/** What {@link loadModel} returns. */
export interface LoadedModel {
  /** The decoded model; external initializers keep their references unless `inlineExternalData` was set. */
  model: ModelProto;
  /** Absolute path of the .onnx file. */
  path: string;
  /** The folder external data locations are relative to. */
  baseDir: string;
  /** Reads external data next to the model (pass it to tensorFromProto, modelInitializers or saveModel). */
  readExternal: ReadExternal;
}

/** Options for {@link loadModel}. */
export interface LoadModelOptions extends DecodeModelOptions {
  /** Read all external data into `rawData` now, so the model is self-contained. Default false. */
  inlineExternalData?: boolean;
}

/** The external-data entries of a tensor, parsed and checked. */
interface ExternalRef {
  location: string;
  offset: number;
  length: number | undefined;
}

function externalRef(t: TensorProto, modelPath: string): ExternalRef {
  const get = (k: string) => t.externalData?.find((e) => e.key === k)?.value;
  const location = get('location');
  if (!location) {
    throw new OnnxFileError(
      modelPath,
      `Tensor '${t.name}' in ${modelPath} is marked as external data but names no location; re-export the model.`,
    );
  }
  const num = (k: string): number | undefined => {
    const v = get(k);
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isSafeInteger(n) || n < 0 || v.trim() === '') {
      throw new OnnxFileError(
        modelPath,
        `Tensor '${t.name}' in ${modelPath} has external data ${k} '${v}'; it must be a non-negative integer.`,
      );
    }
    return n;
  };
  return { location, offset: num('offset') ?? 0, length: num('length') };
}

/** Resolve an external location inside `baseDir`, refusing absolute paths and paths that leave the folder. */
function resolveLocation(baseDir: string, location: string): string {
  const full = path.resolve(baseDir, location);
  const rel = path.relative(baseDir, full);
  if (path.isAbsolute(location) || rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) {
    throw new OnnxFileError(
      full,
      `External data location '${location}' is outside the model's folder ${baseDir}; ONNX locations must be relative paths inside it.`,
    );
  }
  return full;
}

/**
 * A {@link ReadExternal} that reads files relative to `baseDir`.
 * @example
 * ```ts
 * const read = externalDataReader('/models/gpt');
 * const bytes = read('model.onnx.data', 4096, 1024);
 * ```
 */
export function externalDataReader(baseDir: string): ReadExternal {
  const dir = path.resolve(baseDir);
  return (location, offset, length) => {
    const file = resolveLocation(dir, location);
    let fd: number;
    try {
      fd = openSync(file, 'r');
    } catch (e) {
      throw missingFile(file, `External data file '${location}'`, e);
    }
    try {
      const size = fstatSync(fd).size;
      const n = length ?? size - offset;
      if (offset + n > size || n < 0) {
        throw new OnnxFileError(
          file,
          `External data file '${location}' is truncated: a tensor needs bytes ${offset}..${offset + (length ?? 0)} but the file has ${size} bytes. Copy the complete file next to the model.`,
        );
      }
      const out = new Uint8Array(n);
      let done = 0;
      while (done < n) {
        const got = readSync(fd, out, done, n - done, offset + done);
        if (got === 0) {
          throw new OnnxFileError(
            file,
            `External data file '${location}' ended early at byte ${offset + done}.`,
          );
        }
        done += got;
      }
      return out;
    } finally {
      closeSync(fd);
    }
  };
}

function missingFile(file: string, what: string, e: unknown): Error {
  const code = (e as { code?: string }).code;
  if (code === 'ENOENT') return new OnnxFileError(file, `${what} does not exist: ${file}. Check the path.`);
  if (code === 'EISDIR') return new OnnxFileError(file, `${what} is a folder, not a file: ${file}.`);
  return new OnnxFileError(file, `${what} cannot be read (${code ?? String(e)}): ${file}.`);
}

/**
 * Replace every external tensor of `model` by one holding its bytes in `rawData` (a new model; the input is not
 * changed). Use it to hand a model loaded from disk to `InferenceSession.create(encodeModel(...))`.
 * @example
 * ```ts
 * const { model, readExternal } = await loadModel('model.onnx');
 * const bytes = encodeModel(inlineExternalData(model, readExternal));
 * ```
 */
export function inlineExternalData(model: ModelProto, readExternal: ReadExternal): ModelProto {
  return rewriteModel(model, (t) => {
    if (t.dataLocation !== DataLocation.EXTERNAL) return t;
    const ref = externalRef(t, '(model)');
    return copyPresence(t, withRawData(t, readExternal(ref.location, ref.offset, ref.length)));
  });
}

function withRawData(t: TensorProto, rawData: Uint8Array): TensorProto {
  const { externalData: _e, dataLocation: _d, ...rest } = t;
  return { ...rest, rawData };
}

/**
 * Read an .onnx file. External data is checked (every referenced file exists and is long enough) but read only
 * when asked, through `readExternal` (or right away with `inlineExternalData`).
 * @throws {OnnxFileError} for a missing model file, a missing or truncated external data file (named), or an
 * external location outside the model's folder; {@link OnnxFormatError} for malformed bytes.
 * @example
 * ```ts
 * const { model, readExternal } = await loadModel('models/gpt/onnx/model.onnx');
 * const weights = modelInitializers(model, readExternal);
 * ```
 */
export async function loadModel(file: string, options: LoadModelOptions = {}): Promise<LoadedModel> {
  const full = path.resolve(file);
  let bytes: Uint8Array;
  try {
    const b = await readFile(full);
    bytes = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  } catch (e) {
    throw missingFile(full, 'ONNX model file', e);
  }
  const baseDir = path.dirname(full);
  let model = decodeModel(bytes, options);
  const readExternal = externalDataReader(baseDir);
  // Check external references up front, so a missing file is reported at load time, naming it.
  const sizes = new Map<string, number>();
  forEachTensor(model, (t) => {
    if (t.dataLocation !== DataLocation.EXTERNAL) return;
    const ref = externalRef(t, full);
    const dataFile = resolveLocation(baseDir, ref.location);
    let size = sizes.get(dataFile);
    if (size === undefined) {
      try {
        size = statSync(dataFile).size;
      } catch (e) {
        throw missingFile(
          dataFile,
          `External data file '${ref.location}' (of tensor '${t.name}' in ${full})`,
          e,
        );
      }
      sizes.set(dataFile, size);
    }
    const end = ref.offset + (ref.length ?? 0);
    if (end > size || ref.offset > size) {
      throw new OnnxFileError(
        dataFile,
        `External data file '${ref.location}' is truncated: tensor '${t.name}' needs bytes ${ref.offset}..${end} but the file has ${size} bytes. Copy the complete file next to ${full}.`,
      );
    }
  });
  if (options.inlineExternalData) model = inlineExternalData(model, readExternal);
  return { model, path: full, baseDir, readExternal };
}

/** External data layout for {@link saveModel}. */
export interface ExternalDataOptions {
  /** Initializers with at least this many bytes of data move to the data file. Default 1024 (onnx's default). */
  threshold?: number;
  /** Data file name, relative to the model's folder. Default `<model file name>.data`. */
  location?: string;
  /**
   * Tensors of at least `align` bytes start at a multiple of `align` in the data file (zero padding between), so
   * ONNX Runtime can memory-map them. Default 4096 (the page size); 1 packs tensors back to back.
   */
  align?: number;
}

/** Options for {@link saveModel}. */
export interface SaveModelOptions {
  /** Move large initializers into one external data file (`true` = the defaults of {@link ExternalDataOptions}). */
  externalData?: boolean | ExternalDataOptions;
  /**
   * Reads the data of tensors that are already external (from {@link loadModel}); required when the model has
   * any. Those tensors are inlined or rewritten into the new data file, so the saved pair is self-consistent.
   */
  readExternal?: ReadExternal;
}

/** What {@link saveModel} wrote. */
export interface SavedModel {
  /** The model as written (large initializers now external). */
  model: ModelProto;
  /** Absolute path of the .onnx file. */
  path: string;
  /** Bytes of the .onnx file. */
  modelBytes: number;
  /** Absolute path of the external data file, when one was written. */
  dataPath?: string;
  /** Bytes of the external data file (0 when none was written). */
  dataBytes: number;
}

interface Planned {
  offset: number;
  length: number;
  bytes: () => Uint8Array;
}

async function writeAll(fh: FileHandle, bytes: Uint8Array, position: number): Promise<void> {
  let done = 0;
  while (done < bytes.byteLength) {
    const { bytesWritten } = await fh.write(bytes, done, bytes.byteLength - done, position + done);
    done += bytesWritten;
  }
}

function tmpName(target: string): string {
  return `${target}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
}

/**
 * Write a model to `file` atomically: each file is written under a temporary name, flushed, then renamed over
 * the target, so a failure never leaves a half-written or partial file (the temporaries are removed). With
 * `externalData`, initializers of at least `threshold` bytes of `rawData` go into one data file next to the model
 * (tensors held in typed fields such as `floatData` stay inline, as onnx does); the data file is renamed into place
 * just before the model.
 * @throws {OnnxModelError} for a model the format cannot hold or external tensors without `readExternal`;
 * {@link OnnxFileError} when the folder does not exist or cannot be written.
 * @example
 * ```ts
 * await saveModel('out/model.onnx', model, { externalData: { threshold: 1 << 20 } });
 * // out/model.onnx + out/model.onnx.data; ort.InferenceSession.create('out/model.onnx') loads both
 * ```
 */
export async function saveModel(
  file: string,
  model: ModelProto,
  options: SaveModelOptions = {},
): Promise<SavedModel> {
  const full = path.resolve(file);
  const dir = path.dirname(full);
  const ext = options.externalData === true ? {} : options.externalData || undefined;
  const threshold = ext?.threshold ?? 1024;
  const align = ext?.align ?? 4096;
  const location = ext?.location ?? `${path.basename(full)}.data`;
  if (ext) {
    if (!Number.isInteger(align) || align < 1) {
      throw new OnnxModelError(`externalData.align must be a positive integer, got ${align}.`);
    }
    if (!(threshold >= 0)) throw new OnnxModelError(`externalData.threshold must be >= 0, got ${threshold}.`);
  }
  const dataPath = ext ? resolveLocation(dir, location) : undefined;
  if (dataPath === full) {
    throw new OnnxModelError(
      `externalData.location '${location}' is the model file itself; choose another name.`,
    );
  }

  // Plan: which tensors go where. Data bytes are fetched lazily while writing, one tensor at a time.
  const planned: Planned[] = [];
  let dataEnd = 0;
  const readExisting = (t: TensorProto): (() => Uint8Array) => {
    const ref = externalRef(t, full);
    const read = options.readExternal;
    if (!read) {
      throw new OnnxModelError(
        `Tensor '${t.name}' keeps its data in external file '${ref.location}': pass readExternal (from loadModel) to saveModel so it can be copied.`,
      );
    }
    return () => {
      const b = read(ref.location, ref.offset, ref.length);
      if (ref.length !== undefined && b.byteLength !== ref.length) {
        throw new OnnxFileError(ref.location, `External data for tensor '${t.name}' came back short.`);
      }
      return b;
    };
  };
  const written = rewriteModel(model, (t, site) => {
    const isExternal = t.dataLocation === DataLocation.EXTERNAL;
    let length: number;
    let bytes: () => Uint8Array;
    if (isExternal) {
      bytes = readExisting(t);
      length = externalRef(t, full).length ?? -1;
    } else if (t.rawData !== undefined) {
      const raw = t.rawData;
      bytes = () => raw;
      length = raw.byteLength;
    } else {
      return t; // typed fields (floatData, ...) or no data: stays inline
    }
    const move = ext !== undefined && site === 'initializer' && length >= threshold;
    if (!move) {
      return isExternal ? copyPresence(t, withRawData(t, bytes())) : t;
    }
    if (length < 0) {
      // External without a length: read now to know it.
      const b = bytes();
      bytes = () => b;
      length = b.byteLength;
    }
    const offset = length >= align ? Math.ceil(dataEnd / align) * align : dataEnd;
    planned.push({ offset, length, bytes });
    dataEnd = offset + length;
    const { rawData: _r, ...rest } = t;
    return copyPresence(t, {
      ...rest,
      externalData: [
        { key: 'location', value: location },
        { key: 'offset', value: String(offset) },
        { key: 'length', value: String(length) },
      ],
      dataLocation: DataLocation.EXTERNAL,
    });
  });
  const modelBytes = encodeModel(written);

  const tmps: string[] = [];
  try {
    let dataTmp: string | undefined;
    if (dataPath && planned.length > 0) {
      dataTmp = tmpName(dataPath);
      tmps.push(dataTmp);
      const fh = await openForWrite(dataTmp, dir);
      try {
        for (const p of planned) {
          const b = p.bytes();
          if (b.byteLength !== p.length) {
            throw new OnnxModelError(`A tensor's data changed size while the model was being saved.`);
          }
          await writeAll(fh, b, p.offset);
        }
        await fh.truncate(dataEnd);
        await fh.sync();
      } finally {
        await fh.close();
      }
    }
    const modelTmp = tmpName(full);
    tmps.push(modelTmp);
    const fh = await openForWrite(modelTmp, dir);
    try {
      await writeAll(fh, modelBytes, 0);
      await fh.sync();
    } finally {
      await fh.close();
    }
    if (dataTmp && dataPath) await rename(dataTmp, dataPath);
    await rename(modelTmp, full);
    tmps.length = 0;
  } finally {
    for (const t of tmps) await unlink(t).catch(() => undefined);
  }
  const hasData = dataPath !== undefined && planned.length > 0;
  return {
    model: written,
    path: full,
    modelBytes: modelBytes.byteLength,
    ...(hasData ? { dataPath } : {}),
    dataBytes: hasData ? dataEnd : 0,
  };
}

async function openForWrite(tmp: string, dir: string): Promise<FileHandle> {
  try {
    return await open(tmp, 'wx');
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'ENOENT')
      throw new OnnxFileError(dir, `Folder ${dir} does not exist; create it before saving.`);
    throw new OnnxFileError(tmp, `Cannot write ${tmp} (${code ?? String(e)}).`);
  }
}
