// A minimal WebAssembly binary emitter: LEB128 numbers, sections and the opcodes the kernels use.
//
// The kernels are built byte by byte so that the package ships no .wasm file and needs no
// compiler package. Opcode numbers follow the WebAssembly core and SIMD specifications.

export function unsignedLeb(value: number): number[] {
  const bytes: number[] = [];
  do {
    let byte = value & 0x7f;
    value >>>= 7;
    if (value !== 0) byte |= 0x80;
    bytes.push(byte);
  } while (value !== 0);
  return bytes;
}

export function signedLeb(value: number): number[] {
  const bytes: number[] = [];
  for (;;) {
    const byte = value & 0x7f;
    value >>= 7;
    const done = (value === 0 && (byte & 0x40) === 0) || (value === -1 && (byte & 0x40) !== 0);
    bytes.push(done ? byte : byte | 0x80);
    if (done) return bytes;
  }
}

export function vector(items: number[][]): number[] {
  return [...unsignedLeb(items.length), ...items.flat()];
}

export function section(id: number, bytes: number[]): number[] {
  return [id, ...unsignedLeb(bytes.length), ...bytes];
}

export function name(text: string): number[] {
  return vector([...text].map((ch) => [ch.charCodeAt(0)]));
}

/**
 * Returns the limits of an imported memory of at least `minimum` pages. A shared memory must also
 * declare a maximum (flag 3), here 65536 pages (4 GiB), so that any shared memory fits.
 */
export function memoryLimits(shared: boolean, minimum = 1): number[] {
  return shared ? [0x03, minimum, ...unsignedLeb(65536)] : [0x00, minimum];
}

export const I32 = 0x7f;
export const V128 = 0x7b;
export const op = {
  get: (index: number) => [0x20, ...unsignedLeb(index)],
  set: (index: number) => [0x21, ...unsignedLeb(index)],
  i32: (value: number) => [0x41, ...signedLeb(value)],
  add: [0x6a],
  mul: [0x6c],
  shl: [0x74],
  shrU: [0x76],
  geU: [0x4f],
  if: [0x04, 0x40],
  else: [0x05],
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  brIf: (depth: number) => [0x0d, depth],
  br: (depth: number) => [0x0c, depth],
  end: [0x0b],
  // SIMD ops: prefix 0xfd, then the opcode as LEB128, then a memory argument (log2 alignment, offset).
  v128Load: (offset: number) => [0xfd, 0x00, 4, ...unsignedLeb(offset)],
  v128Store: (offset: number) => [0xfd, 0x0b, 4, ...unsignedLeb(offset)],
  load64Splat: [0xfd, 0x0a, 3, 0],
  v128Zero: [0xfd, 0x0c, ...new Array<number>(16).fill(0)],
  f64x2Add: [0xfd, 0xf0, 0x01],
  f64x2Mul: [0xfd, 0xf2, 0x01],
};

/**
 * The part of the WebAssembly JavaScript API used here. The compiler settings of this package
 * include neither the DOM nor a WebAssembly lib, so the shapes are declared locally.
 */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

export interface WasmApi {
  Memory: new (descriptor: { initial: number; maximum?: number; shared?: boolean }) => WasmMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}
