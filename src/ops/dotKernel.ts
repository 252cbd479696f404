/**
 * Dot products of rows of a row-major Float32Array against one of its rows, by a small
 * WebAssembly SIMD kernel (f32x4 lanes) assembled here byte by byte — about 5× faster than the
 * same loop in JavaScript. Used by k-center greedy for squared distances
 * ‖x‖² − 2x·c + ‖c‖² without an N×N matrix. Pure from outside: a kernel owns its own memory.
 */
// A WebAssembly SIMD kernel, hand-assembled below: dots(x, rows, rowBytes, c, out) writes
// out[r] = Σ_d x[r·rowBytes/4 + d] · c[d] (f32x4 lanes, rowBytes a multiple of 16) for r < rows.
// It runs about 5× faster than the same loop in JavaScript.
const uleb = (n: number): number[] => {
  const out: number[] = [];
  do {
    const low = n & 0x7f;
    n >>>= 7;
    out.push(n === 0 ? low : low | 0x80);
  } while (n !== 0);
  return out;
};
const section = (id: number, body: ReadonlyArray<number>): number[] => [id, ...uleb(body.length), ...body];
const wasmName = (s: string): number[] => [s.length, ...Array.from(s, (ch) => ch.charCodeAt(0))];
const dotsModuleBytes = (): Uint8Array => {
  // params x, rows, rowBytes, c, out; locals r, d (i32) and acc (v128)
  const [X, ROWS, ROWBYTES, C, OUT, R, D, ACC] = [0, 1, 2, 3, 4, 5, 6, 7];
  const get = (i: number): number[] => [0x20, i];
  const set = (i: number): number[] => [0x21, i];
  const tee = (i: number): number[] => [0x22, i];
  const simd = (op: number): number[] => [0xfd, ...uleb(op)];
  const [V128_LOAD, V128_CONST, F32X4_EXTRACT, F32X4_ADD, F32X4_MUL] = [0x00, 0x0c, 0x1f, 0xe4, 0xe6];
  const [BLOCK, LOOP, BR_IF, END, I32_CONST, I32_EQZ, I32_LT_U, I32_ADD, F32_ADD, F32_STORE] = [0x02, 0x03, 0x0d, 0x0b, 0x41, 0x45, 0x49, 0x6a, 0x92, 0x38];
  const lane = (l: number): number[] => [...get(ACC), ...simd(F32X4_EXTRACT), l];
  const body = [
    2, 2, 0x7f, 1, 0x7b,
    BLOCK, 0x40, ...get(ROWS), I32_EQZ, BR_IF, 0,
    LOOP, 0x40, // each row
    ...simd(V128_CONST), ...new Array<number>(16).fill(0), ...set(ACC),
    I32_CONST, 0, ...set(D),
    LOOP, 0x40, // each 4 values: acc += x[row][d..d+3] · c[d..d+3]
    ...get(ACC),
    ...get(X), ...get(D), I32_ADD, ...simd(V128_LOAD), 0, 0,
    ...get(C), ...get(D), I32_ADD, ...simd(V128_LOAD), 0, 0,
    ...simd(F32X4_MUL), ...simd(F32X4_ADD), ...set(ACC),
    ...get(D), I32_CONST, 16, I32_ADD, ...tee(D), ...get(ROWBYTES), I32_LT_U, BR_IF, 0,
    END,
    ...get(OUT), ...lane(0), ...lane(1), F32_ADD, ...lane(2), ...lane(3), F32_ADD, F32_ADD, F32_STORE, 2, 0,
    ...get(OUT), I32_CONST, 4, I32_ADD, ...set(OUT),
    ...get(X), ...get(ROWBYTES), I32_ADD, ...set(X),
    ...get(R), I32_CONST, 1, I32_ADD, ...tee(R), ...get(ROWS), I32_LT_U, BR_IF, 0,
    END,
    END,
    END,
  ];
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0,
    ...section(1, [1, 0x60, 5, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0]),
    ...section(2, [1, ...wasmName('env'), ...wasmName('mem'), 2, 0, 1]),
    ...section(3, [1, 0]),
    ...section(7, [1, ...wasmName('dots'), 0, 0]),
    ...section(10, [1, ...uleb(body.length), ...body]),
  ]);
};
// The WebAssembly API of Node and browsers (the project's type libraries do not declare it).
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Memory: new (descriptor: { initial: number }) => { readonly buffer: ArrayBuffer };
  Instance: new (module: object, imports: object) => { readonly exports: Record<string, unknown> };
}
const wasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
let dotsModule: object | undefined;

/** Rows and centres in WebAssembly memory, and the kernel over them. */
export interface DotKernel {
  /** Bytes per padded row. */
  readonly rowBytes: number;
  /** out[0…count) = dot(row r0 + i, row c) for i < count (a view that the next call overwrites). */
  readonly dots: (r0: number, count: number, c: number) => Float32Array;
}

/**
 * Copies the rows, zero-padded to a multiple of 4 values, into a fresh WebAssembly memory.
 * @param x - rows × dim values, row-major
 * @param dim - values per row
 * @param rows - number of rows
 * @returns the kernel over those rows
 */
export const dotKernel = (x: Float32Array, dim: number, rows: number): DotKernel => {
  dotsModule ??= new wasmApi.Module(dotsModuleBytes());
  const stride = Math.ceil(dim / 4) * 4;
  const rowBytes = stride * 4;
  const outOffset = rows * rowBytes;
  const mem = new wasmApi.Memory({ initial: Math.max(1, Math.ceil((outOffset + rows * 4) / 65536)) });
  const run = new wasmApi.Instance(dotsModule, { env: { mem } }).exports['dots'] as (x: number, rows: number, rowBytes: number, c: number, out: number) => void;
  const heap = new Float32Array(mem.buffer);
  if (stride === dim) heap.set(x);
  else for (let r = 0; r < rows; r++) heap.set(x.subarray(r * dim, (r + 1) * dim), r * stride);
  const out = new Float32Array(mem.buffer, outOffset, rows);
  return {
    rowBytes,
    dots: (r0, count, c) => {
      run(r0 * rowBytes, count, rowBytes, c * rowBytes, outOffset);
      return out.subarray(0, count);
    },
  };
};
