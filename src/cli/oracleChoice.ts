/**
 * Which oracle a run asks (`--oracle simulated | file | browser`), built from the run's
 * configuration and the browser's serving flags (`--port`, `--host`, `--annotations-per-item`).
 */
import { join } from 'node:path';
import type { RunConfig } from '../config/runConfig.ts';
import type { ImageSource } from '../data/imageSet.ts';
import { KEYPOINT_NAMES } from '../data/keypointCanvas.ts';
import { InputError } from '../inputError.ts';
import { deriveSeed } from '../ops/random.ts';
import { poolItemImage } from '../oracles/browser/itemImage.ts';
import type { LabelTask } from '../oracles/browser/labelServer.ts';
import { browserOracle } from '../oracles/browserOracle.ts';
import { fileOracle } from '../oracles/fileOracle.ts';
import type { Oracle } from '../oracles/oracle.ts';
import { simulatedOracle } from '../oracles/simulatedOracle.ts';
import type { AlEvent } from '../streams/events.ts';
import type { TaskSetup } from './taskSetup.ts';

/** How the browser oracle serves (flags of `run` and `resume`; strings as commander gives them). */
export interface ServeFlags {
  readonly port?: string;
  readonly host?: string;
  readonly annotationsPerItem?: string;
  readonly leaseSeconds?: string;
}

/** The flags of {@link ServeFlags}, for `register`. */
export const serveFlagOptions: ReadonlyArray<readonly [flags: string, description: string]> = [
  ['--port <n>', 'browser oracle: port to listen on (default: a free one)'],
  ['--host <address>', 'browser oracle: address to bind (default 127.0.0.1, this machine only; others still need the token)'],
  ['--annotations-per-item <n>', 'browser oracle: answers from different people per item, merged by majority (classification; default 1)'],
  ['--lease-seconds <s>', 'browser oracle: how long a page holds an item without renewing (default 30)'],
];

/**
 * The browser oracle's serving flags among commander's options.
 * @param flags commander's options
 * @returns the serving flags given
 */
export const serveFlagsOf = (flags: Readonly<Record<string, string | boolean | undefined>>): ServeFlags => {
  const pick = (key: string): string | undefined => (typeof flags[key] === 'string' ? (flags[key] as string) : undefined);
  const serve: { -readonly [K in keyof ServeFlags]: ServeFlags[K] } = {};
  for (const key of ['port', 'host', 'annotationsPerItem', 'leaseSeconds'] as const) {
    const value = pick(key);
    if (value !== undefined) serve[key] = value;
  }
  return serve;
};

/** The task's learner and truth, with the images pool ids index. */
export type PoolSetup = TaskSetup & { readonly pool: ImageSource };

/** An oracle of the run, with what it needs to see of the run and to stop. */
export interface ChosenOracle {
  readonly oracle: Oracle;
  /** Receives every event of the run (the browser's pages show them). */
  readonly observe: (event: AlEvent<unknown>) => void;
  readonly close: () => Promise<void>;
}

const integerFlag = (value: string | undefined, flag: string, min: number, max: number): number | undefined => {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new InputError(`${flag} must be an integer in [${min}, ${max}], got ${JSON.stringify(value)}`);
  return n;
};

/**
 * Refuses serving flags that do not apply: they need `--oracle browser`, and several
 * annotations per item need classification (majority of class labels).
 * @param oracle the oracle kind
 * @param task the run's task
 * @param serve the flags
 * @throws InputError naming the flag
 */
export const checkServeFlags = (oracle: RunConfig['oracle'], task: RunConfig['task'], serve: ServeFlags): void => {
  const given = (['port', 'host', 'annotationsPerItem', 'leaseSeconds'] as const).filter((k) => serve[k] !== undefined);
  if (oracle !== 'browser' && given.length > 0) {
    throw new InputError(`--${given[0]!.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} applies to --oracle browser, not to --oracle ${oracle}`);
  }
  integerFlag(serve.port, '--port', 0, 65535);
  const n = integerFlag(serve.annotationsPerItem, '--annotations-per-item', 1, 100);
  if (n !== undefined && n > 1 && task !== 'classification') {
    throw new InputError(`--annotations-per-item ${n} merges class labels by majority: it needs --task classification, not ${task}`);
  }
  if (serve.leaseSeconds !== undefined && !(Number(serve.leaseSeconds) >= 1 && Number(serve.leaseSeconds) <= 3600)) {
    throw new InputError(`--lease-seconds must be a number in [1, 3600], got ${JSON.stringify(serve.leaseSeconds)}`);
  }
};

/**
 * The oracles that need no server: the simulated one (its seed follows the labels already
 * journaled, so a resumed run draws new delays and failures) and the file one.
 * @param config the run configuration (`oracle` 'simulated' or 'file')
 * @param dir the run directory (the file oracle's queries.jsonl and answers.jsonl)
 * @param truth the held-back label of a pool item
 * @param labeled labels already journaled
 */
export const localOracle = (config: RunConfig, dir: string, truth: (id: number) => unknown, labeled: number): Oracle =>
  config.oracle === 'file'
    ? fileOracle({ queriesPath: join(dir, 'queries.jsonl'), answersPath: join(dir, 'answers.jsonl') })
    : simulatedOracle(truth, { delayMs: config.oracleDelayMs, failureRate: config.oracleFailureRate, seed: deriveSeed(config.seed, 'oracle', labeled) });

/**
 * Class probabilities of single items, scored together: the ids asked in one tick (a round's
 * queries come at once) go through `score` in batches of the run's scoring batch size.
 */
const batchedPredict = (learner: TaskSetup['learner'], batchSize: number): ((id: number) => Promise<ReadonlyArray<number>>) => {
  let pending: Array<{ id: number; resolve: (p: ReadonlyArray<number>) => void; reject: (e: unknown) => void }> = [];
  const flush = (): void => {
    const batch = pending.slice(0, batchSize);
    pending = pending.slice(batchSize);
    if (pending.length > 0) setImmediate(flush);
    learner.score(Int32Array.from(batch.map((b) => b.id)), { outputs: ['probabilities'] }).then(
      ({ probabilities }) => {
        if (!probabilities) throw new Error('the learner gave no class probabilities');
        const { values, width } = probabilities;
        batch.forEach((b, k) => b.resolve(Array.from(values.subarray(k * width, (k + 1) * width))));
      },
      (error: unknown) => batch.forEach((b) => b.reject(error)),
    );
  };
  return (id) =>
    new Promise((resolve, reject) => {
      if (pending.length === 0) setImmediate(flush);
      pending.push({ id, resolve, reject });
    });
};

/** What a page labels for the run's task. */
const labelTaskOf = (config: RunConfig, setup: PoolSetup): LabelTask => {
  const { pool } = setup;
  const classNames = pool.classNames ?? Array.from({ length: pool.classes }, (_, k) => `class ${k}`);
  switch (config.task) {
    case 'classification':
      return { kind: 'classification', classNames };
    case 'detection':
      return { kind: 'detection', classNames, side: pool.width };
    case 'keypoints':
      return { kind: 'keypoints', keypointNames: KEYPOINT_NAMES, side: pool.width };
  }
};

/**
 * Builds the run's oracle. The browser one is listening when this resolves; its URL (with the
 * token) is written as one line: `label at http://127.0.0.1:PORT/?token=…`.
 * @param config the run configuration (its `oracle`, task and simulated-oracle settings)
 * @param dir the run directory (file oracle's files, the browser's annotations.jsonl)
 * @param setup the task's learner, truth and pool images
 * @param labeled labels already journaled (seeds the simulated oracle's failures on resume)
 * @param serve the browser's flags
 * @param write where the URL line goes
 * @param json write it as a JSON line
 * @returns the oracle, its observer and its close
 */
export const chooseOracle = async (
  config: RunConfig,
  dir: string,
  setup: PoolSetup,
  labeled: number,
  serve: ServeFlags,
  write: (line: string) => void,
  json: boolean,
): Promise<ChosenOracle> => {
  checkServeFlags(config.oracle, config.task, serve);
  switch (config.oracle) {
    case 'file':
    case 'simulated':
      return { oracle: localOracle(config, dir, setup.truth, labeled), observe: () => {}, close: async () => {} };
    case 'browser': {
      const { learner, pool } = setup;
      const oracle = browserOracle({
        task: labelTaskOf(config, setup),
        labelCodec: learner.labelCodec,
        itemImage: poolItemImage(pool),
        ...(config.task === 'classification' ? { predict: batchedPredict(learner, config.scoreBatchSize) } : {}),
        host: serve.host ?? '127.0.0.1',
        port: integerFlag(serve.port, '--port', 0, 65535) ?? 0,
        annotationsPerItem: integerFlag(serve.annotationsPerItem, '--annotations-per-item', 1, 100) ?? 1,
        leaseMs: serve.leaseSeconds === undefined ? 30_000 : Number(serve.leaseSeconds) * 1000,
        annotationsPath: join(dir, 'annotations.jsonl'),
        cycles: config.cycles,
        log: (line) => write(json ? JSON.stringify({ type: 'annotatorAgreement', message: line }) : line),
      });
      let url: string;
      try {
        url = (await oracle.ready).url;
      } catch (error) {
        await oracle.close();
        const code = (error as { code?: string }).code;
        const where = `${serve.host ?? '127.0.0.1'}:${serve.port ?? 0}`;
        throw new InputError(
          code === 'EADDRINUSE'
            ? `--port ${serve.port}: the port is in use`
            : code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND'
              ? `--host ${serve.host}: not an address of this machine`
              : `the browser oracle cannot listen on ${where}: ${code ?? 'error'}`,
        );
      }
      write(json ? JSON.stringify({ type: 'browserOracle', url }) : `label at ${url}`);
      return { oracle, observe: (event) => oracle.observe(event), close: () => oracle.close() };
    }
  }
};
