/**
 * What the benchmarks share: the convolution shapes of the project's networks, a median, a timed
 * median of passes, and reading a `--flag value` argument.
 */

/** A 'same' convolution: input NHWC, square filter k×k, `co` output channels, stride s. */
export interface ConvShape {
  readonly name: string;
  readonly x: [number, number, number, number];
  readonly k: number;
  readonly co: number;
  readonly s: number;
}

/** The small CNN's four convolutions (src/tasks/smallCnn.ts) at a batch size. */
export const smallCnnShapes = (batch: number, suffix = ''): ConvShape[] => [
  { name: `small L1${suffix}`, x: [batch, 28, 28, 1], k: 3, co: 16, s: 1 },
  { name: `small L2${suffix}`, x: [batch, 28, 28, 16], k: 3, co: 32, s: 2 },
  { name: `small L3${suffix}`, x: [batch, 14, 14, 32], k: 3, co: 64, s: 2 },
  { name: `small L4${suffix}`, x: [batch, 7, 7, 64], k: 3, co: 128, s: 2 },
];

/** ResNet-18 (CIFAR) convolutions (src/tasks/resnet18.ts) at batch 32. */
export const resnet18Shapes: ReadonlyArray<ConvShape> = [
  { name: 'r18 stem', x: [32, 32, 32, 3], k: 3, co: 64, s: 1 },
  { name: 'r18 s1', x: [32, 32, 32, 64], k: 3, co: 64, s: 1 },
  { name: 'r18 s2 a', x: [32, 32, 32, 64], k: 3, co: 128, s: 2 },
  { name: 'r18 s2 short', x: [32, 32, 32, 64], k: 1, co: 128, s: 2 },
  { name: 'r18 s2', x: [32, 16, 16, 128], k: 3, co: 128, s: 1 },
  { name: 'r18 s3 a', x: [32, 16, 16, 128], k: 3, co: 256, s: 2 },
  { name: 'r18 s3 short', x: [32, 16, 16, 128], k: 1, co: 256, s: 2 },
  { name: 'r18 s3', x: [32, 8, 8, 256], k: 3, co: 256, s: 1 },
  { name: 'r18 s4 a', x: [32, 8, 8, 256], k: 3, co: 512, s: 2 },
  { name: 'r18 s4 short', x: [32, 8, 8, 256], k: 1, co: 512, s: 2 },
  { name: 'r18 s4', x: [32, 4, 4, 512], k: 3, co: 512, s: 1 },
];

/** The median (the mean of the two middle values for an even count). */
export const median = (values: ReadonlyArray<number>): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/** The value after `flag` on the command line, if any. */
export const argValue = (flag: string): string | undefined => {
  const i = process.argv.indexOf(flag);
  return i >= 0 ? process.argv[i + 1] : undefined;
};

/** The median wall time (ms) of `steps` timed runs of `pass`, after `warmup` untimed ones. */
export const medianPassMs = async (pass: () => unknown, steps: number, warmup = 2): Promise<number> => {
  for (let i = 0; i < warmup; i++) await pass();
  const times: number[] = [];
  for (let i = 0; i < steps; i++) {
    const t0 = performance.now();
    await pass();
    times.push(performance.now() - t0);
  }
  return median(times);
};

/**
 * `reps` timings (ms) of each of two implementations, taken in alternating order (a b, b a, …)
 * so that both see the same machine load.
 */
export const interleavedTimes = (a: () => number, b: () => number, reps: number): [number[], number[]] => {
  const ta: number[] = [];
  const tb: number[] = [];
  for (let r = 0; r < reps; r++) {
    if (r % 2 === 0) {
      ta.push(a());
      tb.push(b());
    } else {
      tb.push(b());
      ta.push(a());
    }
  }
  return [ta, tb];
};
