import Table from 'cli-table3';
import type { Command } from 'commander';
import { initBackend } from '../backend/index.ts';
import { JointModel } from '../tasks/jointModel.ts';
import { LossPredictionModule } from '../tasks/lossPredictionModule.ts';
import { buildClassificationNetwork, defaultInputOf, parseClassificationModel } from '../tasks/targetNetworks.ts';

/** One row of a model summary. */
export interface LayerSummary {
  readonly name: string;
  readonly type: string;
  readonly outputShape: string;
  readonly params: number;
  /** 'target' or 'lossModule'. */
  readonly part: 'target' | 'lossModule';
}

/** What `ll4al inspect` reports. */
export interface ModelSummary {
  readonly model: string;
  readonly inputShape: ReadonlyArray<number>;
  readonly classes: number;
  readonly targetParams: number;
  readonly lossModuleParams: number;
  readonly layers: ReadonlyArray<LayerSummary>;
}

const shapeText = (shape: unknown): string =>
  Array.isArray(shape) && Array.isArray(shape[0])
    ? (shape as unknown[][]).map(shapeText).join(' ')
    : `[${(shape as Array<number | null>).map((d) => (d == null ? 'B' : d)).join('×')}]`;

/**
 * Builds a classification model with its loss module (seed 0) and summarises it.
 *
 * @param name - 'small-cnn' or 'resnet18-cifar' (anything else: InputError naming the value)
 * @returns the layers, and the parameter counts of target and loss module
 */
export const inspectModel = (name: string): ModelSummary => {
  const model = parseClassificationModel(name);
  const input = defaultInputOf[model];
  const joint = JointModel.create(buildClassificationNetwork(model, { ...input, seed: 0 }), { seed: 0 });
  try {
    const layers = joint.inference.layers
      .filter((l) => l.getClassName() !== 'InputLayer')
      .map(
        (l): LayerSummary => ({
          name: l.name,
          type: l.getClassName(),
          outputShape: shapeText(l.outputShape),
          params: l.countParams(),
          part: l instanceof LossPredictionModule ? 'lossModule' : 'target',
        }),
      );
    return {
      model,
      inputShape: [input.height, input.width, input.channels],
      classes: input.classes,
      targetParams: joint.targetParams(),
      lossModuleParams: joint.lossModuleParams(),
      layers,
    };
  } finally {
    joint.dispose();
  }
};

const formatSummary = (s: ModelSummary): string => {
  const table = new Table({
    head: ['layer', 'type', 'output', 'params'],
    colAligns: ['left', 'left', 'left', 'right'],
    style: { compact: true, head: [], border: [] },
  });
  for (const l of s.layers) table.push([l.name, l.type, l.outputShape, l.params.toLocaleString('en-US')]);
  return [
    `${s.model}: input ${s.inputShape.join('×')}, ${s.classes} classes`,
    table.toString(),
    '(layer params include batch-norm moving statistics; the totals count trainable parameters)',
    `target params:      ${s.targetParams.toLocaleString('en-US')}`,
    `loss module params: ${s.lossModuleParams.toLocaleString('en-US')}`,
  ].join('\n');
};

/**
 * Adds `inspect --model small-cnn|resnet18-cifar [--json]`: a layer summary and the parameter
 * counts of the target and of its loss-prediction module (JSON keys targetParams, lossModuleParams).
 *
 * @param program - the ll4al commander program
 */
export const register = (program: Command): void => {
  program
    .command('inspect')
    .description('summarise a model: its layers and the parameters of target and loss module')
    .requiredOption('--model <name>', 'small-cnn or resnet18-cifar')
    .option('--json', 'print JSON (keys: model, inputShape, classes, targetParams, lossModuleParams, layers)')
    .action(async (opts: { model: string; json?: boolean }) => {
      parseClassificationModel(opts.model);
      await initBackend();
      const summary = inspectModel(opts.model);
      process.stdout.write(opts.json ? `${JSON.stringify(summary, null, 2)}\n` : `${formatSummary(summary)}\n`);
    });
};
