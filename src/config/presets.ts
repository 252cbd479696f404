/**
 * Named experiment protocols: partial run configurations (and, for `compare`, the strategies
 * and number of trials) that `--preset NAME` starts from. Precedence, lowest first: the run
 * defaults, the preset, `--config FILE.json`, then the flags.
 */
import { InputError } from '../inputError.ts';
import { RunConfig, type RunConfigInput } from './runConfig.ts';

/** A preset's run fields: any subset of RunConfig's (the trainer's recipe included). */
export type PresetRunInput = RunConfigInput;

/** A named protocol. */
export interface Preset {
  readonly name: string;
  /** One line for `--help` and error messages. */
  readonly description: string;
  readonly run: PresetRunInput;
  /** What `compare` (and `demo`) run by default with this preset. */
  readonly compare?: { readonly strategies: ReadonlyArray<string>; readonly trials: number };
  /** Set when the preset needs `--data DIR`: what the folder must hold. */
  readonly needsData?: string;
}

/**
 * The demo's sizes, in one place for tuning: on the embedded subset (10,000 training and
 * 2,000 test images of Fashion-MNIST), learning loss against random and entropy, 2 paired trials.
 * Budget: under 5 minutes on 2 cores for 3 strategies × 2 trials = 6 runs, one per core at a
 * time → 3 rounds → each run under ~90 s (measured: ~60 s a run, 125 s for 4 runs), with the
 * command line's classification batch of 32 (see CLI_CLASSIFICATION_BATCH_SIZE).
 */
export const demoSizes = {
  cycles: 4,
  initial: 300,
  budget: 300,
  subset: 2000,
  epochs: 6,
  trials: 2,
  strategies: ['random', 'entropy', 'learning-loss'],
} as const;

/** Every preset by name. */
export const presets: Readonly<Record<string, Preset>> = {
  'paper-cifar10': {
    name: 'paper-cifar10',
    description:
      "the paper's CIFAR-10 protocol (ResNet-18, 1,000 + 1,000 × 9 labels, subset 10,000, 200 epochs): for a GPU backend; needs --data DIR of CIFAR-10 binaries",
    run: {
      task: 'classification',
      dataKind: 'cifar10',
      model: 'resnet18-cifar',
      initial: 1000,
      budget: 1000,
      cycles: 10,
      subset: 10000,
      epochs: 200,
      trainer: {
        batchSize: 128,
        learningRate: 0.1,
        // 0.1 → 0.01 at epoch 160 of 200; the loss module's gradient into the features stops after epoch 120.
        lrDecayAt: 0.8,
        lrDecayFactor: 0.1,
        momentum: 0.9,
        weightDecay: 5e-4,
        lambda: 1,
        margin: 1,
        stopLossGradientAfter: 0.6,
        // Random 32×32 crop of the 4-padded image and horizontal flip.
        augment: true,
      },
    },
    compare: { strategies: ['random', 'entropy', 'core-set', 'learning-loss'], trials: 5 },
    needsData: 'the CIFAR-10 binary version (data_batch_1.bin … data_batch_5.bin, test_batch.bin)',
  },
  // The full Fashion-MNIST pool (60,000 train, 10,000 test) at the paper's proportions
  // (initial = budget, subset = 10 × budget), scaled to 2 CPU cores: 500 labels a cycle and
  // 6 cycles (500 → 3,000 labels) keep training at 20 epochs × Σ labeled = 210,000 samples per
  // run, 250–280 s on the embedded wasm backend two at a time on 2 cores (measured 2026-12-01:
  // 7 strategies × 3 trials in 49 min); 20 epochs is where the small CNN's accuracy on a few
  // thousand labels flattens.
  fmnist: {
    name: 'fmnist',
    description: 'a CPU-sized protocol on the full Fashion-MNIST (500 + 500 × 5 labels, subset 5,000, 20 epochs); --data defaults to the Debian dataset folder',
    run: {
      task: 'classification',
      data: '/usr/share/datasets/fashion-mnist',
      dataKind: 'fashion-mnist',
      initial: 500,
      budget: 500,
      cycles: 6,
      subset: 5000,
      epochs: 20,
    },
    compare: { strategies: ['random', 'entropy', 'learning-loss'], trials: 3 },
  },
  demo: {
    name: 'demo',
    description: `the embedded data, short: ${demoSizes.strategies.join(' vs ')}, ${demoSizes.trials} trials, ${demoSizes.cycles} cycles of ${demoSizes.budget} labels, ${demoSizes.epochs} epochs`,
    run: {
      task: 'classification',
      data: 'embedded',
      dataKind: 'fashion-mnist',
      initial: demoSizes.initial,
      budget: demoSizes.budget,
      cycles: demoSizes.cycles,
      subset: demoSizes.subset,
      epochs: demoSizes.epochs,
    },
    compare: { strategies: demoSizes.strategies, trials: demoSizes.trials },
  },
};

/** The names of the presets. */
export const presetNames: ReadonlyArray<string> = Object.keys(presets);

/**
 * The preset called `name`, its fields checked against RunConfig's (a preset field the run
 * configuration does not take is refused by name, never dropped).
 *
 * Use it for `--preset NAME`: its `run` fields go under the config file and the flags.
 * @param name the preset's name
 * @returns the preset
 * @throws InputError for an unknown name, or for a preset that sets fields this build's
 *   RunConfig does not take (named, so nothing is silently ignored)
 */
export const resolvePreset = (name: string): Preset => {
  const preset = presets[name];
  if (preset === undefined) {
    throw new InputError(`unknown preset ${JSON.stringify(name)} (--preset): expected one of ${presetNames.join(', ')}`);
  }
  const unsupported = Object.keys(preset.run).filter((field) => !(field in RunConfig.props));
  if (unsupported.length > 0) {
    throw new InputError(
      `preset ${name} (--preset) sets ${unsupported.join(', ')}, which this build's run configuration does not take yet`,
    );
  }
  return preset;
};

/**
 * Layers run-configuration inputs, later ones winning field by field; the nested `trainer`
 * recipe is merged field by field too (a config file's `trainer.learningRate` keeps the
 * preset's other trainer fields). Undefined values do not override.
 *
 * Use it for preset < config file < flags.
 * @param layers the inputs, lowest precedence first
 * @returns the merged input, for decodeRunConfig
 * @example
 * layerRunInputs({ epochs: 200, trainer: { lrDecayAt: 0.8 } }, { trainer: { learningRate: 0.05 } }, { epochs: 2 })
 * // { epochs: 2, trainer: { lrDecayAt: 0.8, learningRate: 0.05 } }
 */
export const layerRunInputs = (...layers: ReadonlyArray<Readonly<Record<string, unknown>>>): RunConfigInput => {
  const merged: Record<string, unknown> = {};
  for (const layer of layers) {
    for (const [key, value] of Object.entries(layer)) {
      if (value === undefined) continue;
      const before = merged[key];
      const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
      merged[key] = key === 'trainer' && isObject(before) && isObject(value) ? { ...before, ...value } : value;
    }
  }
  return merged;
};
