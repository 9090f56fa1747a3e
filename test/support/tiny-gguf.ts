// Generates GGUF model files for end-to-end tests against a real llama-server,
// because no model can be downloaded in CI. The model is a llama-architecture
// network with random weights: it loads and generates tokens (gibberish) in
// well under a second on one CPU thread.
//
// Format reference: llama.cpp gguf-py/gguf/gguf_writer.py and ggml/src/gguf.cpp.

import { open, readFile, writeFile } from 'node:fs/promises';

const GGUF_MAGIC = 'GGUF';
const GGUF_VERSION = 3;
const ALIGNMENT_BYTES = 32;
const GGML_TYPE_F32 = 0;
// general.file_type: LLAMA_FTYPE_ALL_F32
const FILE_TYPE_ALL_F32 = 0;

const ValueType = {
  UINT8: 0,
  INT8: 1,
  UINT16: 2,
  INT16: 3,
  UINT32: 4,
  INT32: 5,
  FLOAT32: 6,
  BOOL: 7,
  STRING: 8,
  ARRAY: 9,
  UINT64: 10,
  INT64: 11,
  FLOAT64: 12,
} as const;

const FIXED_SIZE_BYTES: Record<number, number> = {
  [ValueType.UINT8]: 1,
  [ValueType.INT8]: 1,
  [ValueType.UINT16]: 2,
  [ValueType.INT16]: 2,
  [ValueType.UINT32]: 4,
  [ValueType.INT32]: 4,
  [ValueType.FLOAT32]: 4,
  [ValueType.BOOL]: 1,
  [ValueType.UINT64]: 8,
  [ValueType.INT64]: 8,
  [ValueType.FLOAT64]: 8,
};

export type GgufScalar = number | bigint | boolean | string;
export type GgufValue = GgufScalar | GgufScalar[] | GgufValue[];

export interface GgufKv {
  key: string;
  type: number;
  value: GgufValue;
  /** The whole encoded entry (key, type, value), for copying it verbatim. */
  raw: Buffer;
}

export interface GgufTensorInfo {
  name: string;
  /** ggml order: dims[0] varies fastest. */
  dims: number[];
  type: number;
  offsetBytes: bigint;
}

export interface GgufHeader {
  version: number;
  kvs: Map<string, GgufKv>;
  tensors: GgufTensorInfo[];
  /** File offset where tensor data starts. */
  dataOffsetBytes: number;
}

export interface TinyModelOptions {
  seed?: number;
}

export const TINY_MODEL_SHAPE = {
  contextLength: 256,
  embeddingLength: 64,
  blockCount: 2,
  feedForwardLength: 128,
  headCount: 4,
  headCountKv: 4,
} as const;

/** Parses the header, metadata and tensor infos of a GGUF file (not the tensor data). */
export function readGgufHeader(buffer: Buffer): GgufHeader {
  const reader = new Reader(buffer);
  const magic = buffer.toString('latin1', 0, 4);
  if (magic !== GGUF_MAGIC) throw new Error(`not a GGUF file (magic ${JSON.stringify(magic)})`);
  reader.offset = 4;
  const version = reader.u32();
  if (version !== 2 && version !== 3) throw new Error(`unsupported GGUF version ${version}`);
  const tensorCount = Number(reader.u64());
  const kvCount = Number(reader.u64());

  const kvs = new Map<string, GgufKv>();
  for (let i = 0; i < kvCount; i++) {
    const start = reader.offset;
    const key = reader.string();
    const type = reader.u32();
    const value = reader.value(type);
    kvs.set(key, { key, type, value, raw: buffer.subarray(start, reader.offset) });
  }

  const tensors: GgufTensorInfo[] = [];
  for (let i = 0; i < tensorCount; i++) {
    const name = reader.string();
    const nDims = reader.u32();
    const dims: number[] = [];
    for (let d = 0; d < nDims; d++) dims.push(Number(reader.u64()));
    tensors.push({ name, dims, type: reader.u32(), offsetBytes: reader.u64() });
  }

  const alignment = kvs.get('general.alignment')?.value;
  const alignmentBytes = typeof alignment === 'number' ? alignment : ALIGNMENT_BYTES;
  return { version, kvs, tensors, dataOffsetBytes: padTo(reader.offset, alignmentBytes) };
}

/**
 * Writes a tiny random-weight llama model whose tokenizer is copied from a
 * llama.cpp vocab-only GGUF (models/ggml-vocab-llama-spm.gguf).
 */
export async function writeTinyModel(
  path: string,
  vocabGgufPath: string,
  opts: TinyModelOptions = {},
): Promise<{ bytes: number }> {
  const vocab = readGgufHeader(await readFile(vocabGgufPath));
  const tokenizerKvs = [...vocab.kvs.values()].filter((kv) => kv.key.startsWith('tokenizer.'));
  const tokens = vocab.kvs.get('tokenizer.ggml.tokens')?.value;
  if (!Array.isArray(tokens) || tokens.length === 0) {
    throw new Error(`${vocabGgufPath} has no tokenizer.ggml.tokens`);
  }
  const vocabSize = tokens.length;

  const shape = TINY_MODEL_SHAPE;
  const headDim = shape.embeddingLength / shape.headCount;
  const kvWidth = headDim * shape.headCountKv;

  const kvEntries: Buffer[] = [
    encodeKv('general.architecture', ValueType.STRING, 'llama'),
    encodeKv('general.name', ValueType.STRING, 'tiny-llama'),
    encodeKv('general.alignment', ValueType.UINT32, ALIGNMENT_BYTES),
    encodeKv('general.file_type', ValueType.UINT32, FILE_TYPE_ALL_F32),
    encodeKv('llama.vocab_size', ValueType.UINT32, vocabSize),
    encodeKv('llama.context_length', ValueType.UINT32, shape.contextLength),
    encodeKv('llama.embedding_length', ValueType.UINT32, shape.embeddingLength),
    encodeKv('llama.block_count', ValueType.UINT32, shape.blockCount),
    encodeKv('llama.feed_forward_length', ValueType.UINT32, shape.feedForwardLength),
    encodeKv('llama.attention.head_count', ValueType.UINT32, shape.headCount),
    encodeKv('llama.attention.head_count_kv', ValueType.UINT32, shape.headCountKv),
    encodeKv('llama.rope.dimension_count', ValueType.UINT32, headDim),
    encodeKv('llama.rope.freq_base', ValueType.FLOAT32, 10000),
    encodeKv('llama.attention.layer_norm_rms_epsilon', ValueType.FLOAT32, 1e-5),
    ...tokenizerKvs.map((kv) => kv.raw),
  ];

  // Norm weights of 1 keep activations in range; everything else is small noise.
  const tensors: { name: string; dims: number[]; init: 'ones' | 'random' }[] = [
    { name: 'token_embd.weight', dims: [shape.embeddingLength, vocabSize], init: 'random' },
    { name: 'output_norm.weight', dims: [shape.embeddingLength], init: 'ones' },
    { name: 'output.weight', dims: [shape.embeddingLength, vocabSize], init: 'random' },
  ];
  for (let block = 0; block < shape.blockCount; block++) {
    const prefix = `blk.${block}`;
    tensors.push(
      { name: `${prefix}.attn_norm.weight`, dims: [shape.embeddingLength], init: 'ones' },
      {
        name: `${prefix}.attn_q.weight`,
        dims: [shape.embeddingLength, shape.embeddingLength],
        init: 'random',
      },
      { name: `${prefix}.attn_k.weight`, dims: [shape.embeddingLength, kvWidth], init: 'random' },
      { name: `${prefix}.attn_v.weight`, dims: [shape.embeddingLength, kvWidth], init: 'random' },
      {
        name: `${prefix}.attn_output.weight`,
        dims: [shape.embeddingLength, shape.embeddingLength],
        init: 'random',
      },
      { name: `${prefix}.ffn_norm.weight`, dims: [shape.embeddingLength], init: 'ones' },
      {
        name: `${prefix}.ffn_gate.weight`,
        dims: [shape.embeddingLength, shape.feedForwardLength],
        init: 'random',
      },
      {
        name: `${prefix}.ffn_up.weight`,
        dims: [shape.embeddingLength, shape.feedForwardLength],
        init: 'random',
      },
      {
        name: `${prefix}.ffn_down.weight`,
        dims: [shape.feedForwardLength, shape.embeddingLength],
        init: 'random',
      },
    );
  }

  const tensorInfos: Buffer[] = [];
  let dataOffsetBytes = 0;
  for (const tensor of tensors) {
    tensorInfos.push(encodeTensorInfo(tensor.name, tensor.dims, dataOffsetBytes));
    dataOffsetBytes += padTo(f32Bytes(tensor.dims), ALIGNMENT_BYTES);
  }

  const header = Buffer.alloc(24);
  header.write(GGUF_MAGIC, 0, 'latin1');
  header.writeUInt32LE(GGUF_VERSION, 4);
  header.writeBigUInt64LE(BigInt(tensors.length), 8);
  header.writeBigUInt64LE(BigInt(kvEntries.length), 16);
  const preamble = Buffer.concat([header, ...kvEntries, ...tensorInfos]);

  const random = mulberry32(opts.seed ?? 1);
  const file = await open(path, 'w');
  try {
    await file.write(withPadding(preamble));
    for (const tensor of tensors) {
      const values = new Float32Array(tensor.dims.reduce((a, b) => a * b, 1));
      if (tensor.init === 'ones') values.fill(1);
      else for (let i = 0; i < values.length; i++) values[i] = (random() * 2 - 1) * 0.05;
      await file.write(withPadding(Buffer.from(values.buffer, values.byteOffset, values.byteLength)));
    }
    return { bytes: (await file.stat()).size };
  } finally {
    await file.close();
  }
}

/**
 * Writes a model file llama.cpp refuses to load. llama-server answers /health
 * with 503 "Loading model" for a moment, then logs (on stderr) and exits 1:
 *
 * With `validModelPath`, the first half of that file, like an interrupted
 * download; the header still parses, so loading fails at the tensors:
 *   E llama_model_load: error loading model: tensor 'token_embd.weight' data is not within the file bounds, model is corrupted or incomplete
 *
 * Without it, 4 KiB of HTML, like a saved error page:
 *   E gguf_init_from_reader: invalid magic characters: '<!DO', expected 'GGUF'
 *
 * Both then log `E srv  llama_server: exiting due to model loading error`.
 */
export async function writeBrokenModel(path: string, validModelPath?: string): Promise<{ bytes: number }> {
  if (validModelPath) {
    const valid = await readFile(validModelPath);
    const truncated = valid.subarray(0, Math.floor(valid.length / 2));
    await writeFile(path, truncated);
    return { bytes: truncated.length };
  }
  const junk = Buffer.alloc(4096, 0x20);
  junk.write('<!DOCTYPE html> not a model', 0, 'latin1');
  await writeFile(path, junk);
  return { bytes: junk.length };
}

function encodeKv(key: string, type: number, value: string | number): Buffer {
  const typeBytes = Buffer.alloc(4);
  typeBytes.writeUInt32LE(type);
  let valueBytes: Buffer;
  if (type === ValueType.STRING) {
    valueBytes = encodeString(String(value));
  } else if (type === ValueType.UINT32) {
    valueBytes = Buffer.alloc(4);
    valueBytes.writeUInt32LE(Number(value));
  } else if (type === ValueType.FLOAT32) {
    valueBytes = Buffer.alloc(4);
    valueBytes.writeFloatLE(Number(value));
  } else {
    throw new Error(`encodeKv: unsupported type ${type}`);
  }
  return Buffer.concat([encodeString(key), typeBytes, valueBytes]);
}

function encodeTensorInfo(name: string, dims: number[], offsetBytes: number): Buffer {
  const info = Buffer.alloc(4 + dims.length * 8 + 4 + 8);
  let at = info.writeUInt32LE(dims.length, 0);
  for (const dim of dims) at = info.writeBigUInt64LE(BigInt(dim), at);
  at = info.writeUInt32LE(GGML_TYPE_F32, at);
  info.writeBigUInt64LE(BigInt(offsetBytes), at);
  return Buffer.concat([encodeString(name), info]);
}

function encodeString(text: string): Buffer {
  const bytes = Buffer.from(text, 'utf8');
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(bytes.length));
  return Buffer.concat([length, bytes]);
}

function f32Bytes(dims: number[]): number {
  return dims.reduce((a, b) => a * b, 1) * 4;
}

function padTo(bytes: number, alignmentBytes: number): number {
  return Math.ceil(bytes / alignmentBytes) * alignmentBytes;
}

function withPadding(chunk: Buffer): Buffer {
  const paddedBytes = padTo(chunk.length, ALIGNMENT_BYTES);
  return paddedBytes === chunk.length
    ? chunk
    : Buffer.concat([chunk, Buffer.alloc(paddedBytes - chunk.length)]);
}

// Seeded so a given seed always yields byte-identical models.
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Reader {
  offset = 0;
  private readonly buffer: Buffer;

  constructor(buffer: Buffer) {
    this.buffer = buffer;
  }

  u32(): number {
    const value = this.buffer.readUInt32LE(this.offset);
    this.offset += 4;
    return value;
  }

  u64(): bigint {
    const value = this.buffer.readBigUInt64LE(this.offset);
    this.offset += 8;
    return value;
  }

  string(): string {
    const length = Number(this.u64());
    const value = this.buffer.toString('utf8', this.offset, this.offset + length);
    this.offset += length;
    return value;
  }

  value(type: number): GgufValue {
    if (type === ValueType.STRING) return this.string();
    if (type === ValueType.ARRAY) {
      const elementType = this.u32();
      const count = Number(this.u64());
      const values: GgufValue[] = [];
      for (let i = 0; i < count; i++) values.push(this.value(elementType));
      return values;
    }
    const size = FIXED_SIZE_BYTES[type];
    if (size === undefined) throw new Error(`unknown GGUF value type ${type} at offset ${this.offset}`);
    const b = this.buffer;
    const at = this.offset;
    this.offset += size;
    switch (type) {
      case ValueType.UINT8:
        return b.readUInt8(at);
      case ValueType.INT8:
        return b.readInt8(at);
      case ValueType.UINT16:
        return b.readUInt16LE(at);
      case ValueType.INT16:
        return b.readInt16LE(at);
      case ValueType.UINT32:
        return b.readUInt32LE(at);
      case ValueType.INT32:
        return b.readInt32LE(at);
      case ValueType.FLOAT32:
        return b.readFloatLE(at);
      case ValueType.BOOL:
        return b.readUInt8(at) !== 0;
      case ValueType.UINT64:
        return b.readBigUInt64LE(at);
      case ValueType.INT64:
        return b.readBigInt64LE(at);
      default:
        return b.readDoubleLE(at);
    }
  }
}
