/**
 * The WebAssembly API of Node and browsers, as ll4al's hand-built and clang-built modules use it
 * (the project's type libraries do not declare it), and the engine's instance of it.
 */
export interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: (new (bytes: Uint8Array) => object) & { imports(module: object): Array<{ module: string; name: string; kind: string }> };
  Memory: abstract new (...args: never[]) => object;
  Instance: new (module: object, imports?: object) => { readonly exports: Record<string, unknown> };
}

/** This engine's WebAssembly, or undefined where there is none. */
export const wasmApi: WasmApi | undefined = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;
