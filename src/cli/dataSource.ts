/**
 * Which data a run reads, chosen from its configuration, and everything a run needs of it: the
 * built-in datasets (the embedded subset, IDX, CIFAR-10; as before) or the user's own images (an
 * image folder or manifest for classification, a COCO file for detection). The one place the run
 * command asks for data, so that the command itself stays a sequence of steps.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { SingleBar } from 'cli-progress';
import type { RunConfig } from '../config/runConfig.ts';
import { defaultAnchorGeometry } from '../tasks/detection/anchors.ts';
import { IDX_FILES, loadDataset, type DatasetSpec } from '../data/load.ts';
import type { DataSplit, ImageSource } from '../data/imageSet.ts';
import { isManifestPath } from '../data/imageManifest.ts';
import { loadCocoDetection, loadCocoKeypoints } from '../data/userCoco.ts';
import type { UserData } from '../data/userData.ts';
import { loadUserImages } from '../data/userImages.ts';
import { classNameCodec } from '../data/classNameCodec.ts';
import { InputError } from '../inputError.ts';
import { deriveSeed } from '../ops/random.ts';
import { createClassificationLearner } from '../tasks/classification.ts';
import { createDetectionLearner } from '../tasks/detection/detectionLearner.ts';
import { detectionLabelOf } from '../tasks/detection/detectionLabel.ts';
import { createKeypointsLearner } from '../tasks/keypoints/keypointsLearner.ts';
import { keypointsOf } from '../tasks/keypoints/keypointLabel.ts';
import type { Learner } from '../tasks/learner.ts';
import type { CocoData } from '../data/cocoFile.ts';
import type { JournalEntry } from '../store/labelJournal.ts';
import { writePoolIndex } from '../store/poolIndex.ts';
import type { AlEvent } from '../streams/events.ts';
import { CLI_CLASSIFICATION_BATCH_SIZE, setupTask, type TaskSetup } from './taskSetup.ts';

/** Where a run's data comes from. */
export type DataChoice =
  | { readonly kind: 'builtin'; readonly spec: DatasetSpec }
  | { readonly kind: 'images'; readonly path: string }
  | { readonly kind: 'coco'; readonly path: string };

const hasIdxFiles = (dir: string): boolean =>
  existsSync(dir) && statSync(dir).isDirectory() && [`${IDX_FILES.trainImages}.gz`, IDX_FILES.trainImages].some((f) => existsSync(join(dir, f)));

/**
 * The data a configuration names: `embedded`; a `.json` file (or `--data-kind coco`): a COCO
 * file; a `.csv`/`.jsonl` file (or `--data-kind images`): a manifest; a folder: IDX files when it
 * holds them (or `--data-kind mnist|cifar10` says so), else an image folder.
 * @param config the run configuration
 * @returns the choice
 * @throws InputError when the task cannot read that data
 */
export const chooseData = (config: RunConfig): DataChoice => {
  const path = config.data;
  let choice: DataChoice;
  if (path === 'embedded') choice = { kind: 'builtin', spec: { kind: 'embedded' } };
  else if (config.dataKind === 'coco' || /\.json$/i.test(path)) choice = { kind: 'coco', path };
  else if (config.dataKind === 'images' || isManifestPath(path) || (config.dataKind === 'fashion-mnist' && !hasIdxFiles(path))) choice = { kind: 'images', path };
  else choice = { kind: 'builtin', spec: { kind: config.dataKind as 'fashion-mnist' | 'mnist' | 'cifar10', dir: path } };
  if (choice.kind === 'images' && config.task !== 'classification') {
    throw new InputError(`--data ${path}: an image folder or manifest is classification data; the ${config.task} task reads a COCO file (--data FILE.json)`);
  }
  if (choice.kind === 'coco' && config.task === 'classification') {
    throw new InputError(`--data ${path}: a COCO file is read by --task detection (instances) or --task keypoints (person_keypoints), not by classification (use an image folder or a manifest)`);
  }
  if (choice.kind !== 'coco' && config.testData !== null) throw new InputError(`--test-data applies to a COCO file (--data FILE.json); an image folder has its test/ folder, a manifest its split column`);
  return choice;
};

/** A run's data, ready for its learner. */
export interface RunData {
  readonly choice: DataChoice;
  /** Items in the pool. */
  readonly poolSize: number;
  /** Items in the test set (0: no metric). */
  readonly testCount: number;
  /** The labels the data has, [pool id, label]: the simulated oracle's truth, or the start of the labeled set. */
  readonly given: ReadonlyArray<readonly [number, unknown]>;
  /** Pool items without a label. */
  readonly unlabeled: number;
  /** Lines to show once, before the run. */
  readonly notes: ReadonlyArray<string>;
  /** The pool and the test set as the learner reads them (the built-in split, or the user's on disk). */
  readonly split: DataSplit<ImageSource>;
  /** The user's data (absent for the built-in datasets). */
  readonly user?: UserData<ImageSource, unknown>;
  /**
   * Builds the task's learner and the simulated oracle's truth.
   * @param lossObjective the strategy's loss-module objective
   * @param scoreThreads threads that score (default: the learner's; a scoring worker passes its own)
   */
  setup(lossObjective: 'ranking' | 'mse', scoreThreads?: number): TaskSetup;
  /** Closes the cache file. */
  close(): void;
}

/** Decoding progress on a terminal: a cli-progress bar on stderr; nothing elsewhere. */
const decodeProgress = (show: boolean): { onProgress?: (done: number, total: number) => void; stop: () => void } => {
  if (!show) return { stop: () => {} };
  let bar: SingleBar | undefined;
  return {
    onProgress: (done, total) => {
      if (bar === undefined) {
        bar = new SingleBar({ format: 'decoding images [{bar}] {value}/{total} {percentage}% · {eta_formatted} left', hideCursor: true, stream: process.stderr });
        bar.start(total, 0);
      }
      bar.update(done);
    },
    stop: () => bar?.stop(),
  };
};

/** The input side of the task when --image-size is not given. */
const defaultImageSize = (task: RunConfig['task']): number => (task === 'detection' ? defaultAnchorGeometry.side : task === 'keypoints' ? 48 : 32);

/** The lines that describe the user's data once it is decoded. */
const describeUser = (user: UserData<ImageSource, unknown>, config: RunConfig, size: number): string[] => {
  const { train, test } = user.split;
  const lines = [
    `data: ${user.source}: pool of ${train.count} images (${user.given.length} labeled, ${user.unlabeled} unlabeled), test set of ${test.count}; ${size}x${size}x${config.channels}`,
    `classes: ${user.classNames.map((c, k) => `${k} ${c}`).join(', ')}`,
    user.cache.decoded > 0
      ? `decoded ${user.cache.decoded} images into the cache ${user.cache.file}`
      : `read the cache ${user.cache.file} (nothing decoded)`,
  ];
  for (const bad of user.skipped) lines.push(`skipped ${bad.path}: ${bad.reason}`);
  if (test.count === 0) lines.push('no test set: metrics are off (the run reports the loss module and the labels gathered)');
  return lines;
};

/**
 * Loads (and for the user's images, decodes once or finds in the cache) the data of a run.
 * @param config the run configuration
 * @param options `progress`: show a decoding bar (on a terminal)
 * @returns the data and how to build its learner
 * @throws InputError for every bad-data case, before any training
 */
export const openRunData = async (config: RunConfig, options: { readonly progress?: boolean } = {}): Promise<RunData> => {
  const choice = chooseData(config);
  if (choice.kind === 'builtin') {
    const data = await loadDataset(choice.spec);
    return {
      choice,
      poolSize: data.train.count,
      testCount: data.test.count,
      given: [],
      unlabeled: 0,
      notes: [],
      split: data,
      setup: (lossObjective, scoreThreads) => setupTask(config, data, lossObjective, scoreThreads),
      close: () => {},
    };
  }
  const size = config.imageSize ?? defaultImageSize(config.task);
  const progress = decodeProgress(options.progress === true);
  const decode = {
    size,
    channels: config.channels,
    skipBad: config.skipBadImages,
    onProgress: progress.onProgress,
    ...(config.cacheDir === null ? {} : { cacheDir: config.cacheDir }),
  };
  const seed = deriveSeed(config.seed, 'learner');
  const trainer = { ...config.trainer };
  try {
    if (choice.kind === 'images') {
      const user = await loadUserImages(choice.path, { ...decode, ...(config.classes === null ? {} : { classes: config.classes }) });
      const labels = new Map(user.given);
      return {
        choice,
        poolSize: user.split.train.count,
        testCount: user.split.test.count,
        given: user.given,
        unlabeled: user.unlabeled,
        notes: describeUser(user, config, size),
        user,
        split: user.split,
        setup: (lossObjective, scoreThreads) => {
          const learner = createClassificationLearner({
            data: user.split,
            model: config.model,
            trainer: { batchSize: CLI_CLASSIFICATION_BATCH_SIZE, ...trainer, lossObjective },
            seed,
            scoreBatchSize: config.scoreBatchSize,
            ...(scoreThreads === undefined ? {} : { scoreThreads }),
          });
          // A person may answer with the class's name as well as its index.
          const labelCodec = classNameCodec(learner.labelCodec, user.classNames);
          const named = new Proxy(learner, {
            get: (target, key) => {
              if (key === 'labelCodec') return labelCodec;
              const value: unknown = Reflect.get(target, key, target);
              return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
            },
          });
          return { learner: named as Learner<unknown>, truth: (id) => labels.get(id) };
        },
        close: user.close,
      };
    }
    const cocoOptions = {
      ...decode,
      ...(config.testData === null ? {} : { testFile: config.testData }),
      ...(config.images === null ? {} : { images: config.images }),
    };
    if (config.task === 'keypoints') {
      if (!(size % 16 === 0)) throw new InputError(`--image-size ${size}: the keypoints network (a stacked hourglass) takes a multiple of 16`);
      const user = await loadCocoKeypoints(choice.path, cocoOptions);
      return {
        choice,
        poolSize: user.split.train.count,
        testCount: user.split.test.count,
        given: user.given,
        unlabeled: user.unlabeled,
        notes: [...describeUser(user, config, size), `keypoints: ${user.split.train.keypointNames!.join(', ')}`],
        user,
        split: user.split,
        setup: (lossObjective, scoreThreads) => {
          const learner = createKeypointsLearner({
            data: user.split,
            seed,
            trainer: { ...trainer, lossObjective },
            scoreBatchSize: config.scoreBatchSize,
            ...(scoreThreads === undefined ? {} : { scoreThreads }),
          });
          return { learner: learner as Learner<unknown>, truth: (id) => keypointsOf(user.split.train, id) };
        },
        close: user.close,
      };
    }
    if (!(size % 32 === 0)) throw new InputError(`--image-size ${size}: the detection network takes a multiple of 32 (its source maps are the input side / 8, / 16, / 32)`);
    const user = await loadCocoDetection(choice.path, cocoOptions);
    const ratio = size / defaultAnchorGeometry.side;
    const geometry = { ...defaultAnchorGeometry, side: size, maps: defaultAnchorGeometry.maps.map((m) => ({ ...m, size: m.size * ratio })) };
    return {
      choice,
      poolSize: user.split.train.count,
      testCount: user.split.test.count,
      given: user.given,
      unlabeled: user.unlabeled,
      notes: describeUser(user, config, size),
      user,
      split: user.split,
      setup: (lossObjective, scoreThreads) => {
        const learner = createDetectionLearner({
          data: user.split,
          seed,
          trainer: { ...trainer, lossObjective },
          scoreBatchSize: config.scoreBatchSize,
          geometry,
          ...(scoreThreads === undefined ? {} : { scoreThreads }),
        });
        return { learner: learner as Learner<unknown>, truth: (id) => detectionLabelOf(user.split.train, id) };
      },
      close: user.close,
    };
  } finally {
    progress.stop();
  }
};

/**
 * Refuses an oracle that cannot answer for this data: the simulated oracle answers from labels
 * the data has, so a pool with unlabeled images needs a person (`--oracle file`).
 * @param config the run configuration
 * @param data the run's data
 * @throws InputError in one line
 */
export const checkOracleFits = (config: RunConfig, data: Pick<RunData, 'unlabeled' | 'poolSize' | 'user'>): void => {
  if (config.oracle === 'simulated' && data.unlabeled > 0) {
    throw new InputError(
      `--oracle simulated answers from labels the data has, and ${data.unlabeled} of the ${data.poolSize} pool images have none: label them by hand with --oracle file (DIR/queries.jsonl, answers in DIR/answers.jsonl)`,
    );
  }
};

/**
 * The journal entries of the labels the data already has (source `given`, cycle 0): they count
 * toward the initial set, and the oracle is asked only for the rest.
 * @param given [pool id, label] pairs
 * @returns one entry each
 */
export const givenEntries = (given: ReadonlyArray<readonly [number, unknown]>): JournalEntry<unknown>[] => {
  const time = new Date().toISOString();
  return given.map(([id, label]) => ({ id, label, cycle: 0, source: 'given', time }));
};

/**
 * Writes the run directory's pool.json: the image file of every pool id, so that `ll4al export`
 * and a labeling page find an item's image without reading the data again (nothing is written
 * for the built-in datasets, whose items have no files).
 * @param dir the run directory
 * @param config the run configuration
 * @param data the run's data
 */
export const writePoolFile = (dir: string, config: RunConfig, data: Pick<RunData, 'user'>): void => {
  const user = data.user;
  if (user === undefined) return;
  const coco = 'coco' in user ? (user as unknown as { coco: CocoData }).coco : undefined;
  const train = user.split.train as { keypointNames?: ReadonlyArray<string> };
  writePoolIndex(dir, {
    ...(train.keypointNames === undefined ? {} : { keypointNames: [...train.keypointNames] }),
    task: config.task,
    source: user.source,
    imageSize: user.split.train.height,
    classNames: [...user.classNames],
    files: [...user.poolFiles],
    names: [...user.poolNames],
    originalSizes: Array.from(user.originalSizes),
    ...(coco === undefined ? {} : { categories: [...coco.categories], cocoImageIds: cocoIdsOf(user, coco) }),
  });
};

/** The COCO image id of each pool item (pool items are the file's images less any skipped). */
const cocoIdsOf = (user: UserData<ImageSource, unknown>, coco: CocoData): number[] => {
  const idOfPath = new Map(coco.images.map((i) => [i.path, i.id] as const));
  return user.poolFiles.map((f) => idOfPath.get(f)!);
};

/**
 * The text renderer of a run on this data: `render` itself, except that a fresh run whose data
 * came with labels says so (instead of "resuming"), and a run without a test set names the
 * labels and the loss module's training loss (its last epoch) instead of the metrics, which are off.
 * @param render the renderer of every other event
 * @param data the run's data
 * @param resume whether the run resumes
 * @returns the renderer
 */
export const renderFor = (
  render: (event: AlEvent) => string | undefined,
  data: Pick<RunData, 'given' | 'testCount'>,
  resume: boolean,
): ((event: AlEvent) => string | undefined) => {
  let last: { targetLoss: number; lossModuleLoss: number } | undefined;
  return (event) => {
    if (event.type === 'runStarted' && !resume && event.firstCycle <= 1 && event.labeled === data.given.length && event.labeled > 0) {
      return `pool of ${event.poolSize} items, ${event.cycles} cycles; ${event.labeled} labels came with the data (they count toward --initial)`;
    }
    if (data.testCount > 0) return render(event);
    if (event.type === 'epochTrained') last = event.report;
    if (event.type !== 'cycleFinished') return render(event);
    const { row } = event;
    const trained = last === undefined ? '' : `, training loss ${last.targetLoss.toFixed(4)}, loss-module loss ${last.lossModuleLoss.toFixed(4)}`;
    return `cycle ${row.cycle}: ${row.labeled} labels${trained}, ${row.seconds.toFixed(1)} s` + (row.queried > 0 ? `; queried ${row.queried}, received ${row.answered}` : '');
  };
};

/**
 * Decodes a configuration's data once (the user's images: later runs find the cache) and
 * checks that its oracle fits, then lets it go: what `compare` does before it starts its runs.
 * @param config the configuration every run starts from
 * @throws InputError for bad data or an oracle that does not fit
 */
export const prepareRunData = async (config: RunConfig): Promise<void> => {
  if (chooseData(config).kind === 'builtin') return;
  const data = await openRunData(config, { progress: process.stderr.isTTY === true });
  try {
    checkOracleFits(config, data);
  } finally {
    data.close();
  }
};
