/**
 * A run in a run directory, as a library call: {@link runInDirectory} starts one,
 * {@link resumeRun} continues it after a crash (`kill -9` included) or a stop. They own the
 * directory (src/store/runDirectory.ts names its files): the lock, config.json, the label
 * journal (replay, torn-line repair, pool-id checks), the checkpoints and results.json. What
 * they promise — no accepted label is lost, none is asked twice, the run ends with the labels
 * of an uninterrupted one — and how it is tested is in docs/reliability.md.
 */
import { dirname } from 'node:path';
import { Observable, type Subscription } from 'rxjs';
import { InputError } from '../inputError.ts';
import type { Oracle } from '../oracles/oracle.ts';
import type { CycleRow } from '../results/cycleRow.ts';
import { loadCheckpoint, saveCheckpoint } from '../store/checkpointFiles.ts';
import { describeFsError, fsyncDirectory, realFs, removeTemporaries, StorageError, writeFileDurably, type DurableFs } from '../store/durableFs.ts';
import { openFileJournal, readJournal, repairJournalTail, type FileJournal, type JournalContents, type JournalEntry } from '../store/labelJournal.ts';
import type { StoppedRecord } from '../results/stoppedRecord.ts';
import { readResults, writeResults, type ResumeRecord, type RunResults } from '../store/resultsFile.ts';
import { runPaths, type RunPaths } from '../store/runDirectory.ts';
import { acquireRunLock, type RunLock } from '../store/runLock.ts';
import { activeLearning, type ActiveLearningConfig, type RestoredRun } from '../streams/activeLearning.ts';
import type { AlEvent } from '../streams/events.ts';
import { checkResumeConfig, readRunConfig } from './runConfigFile.ts';

/** What an oracle made for a run directory knows (e.g. to put its files there). */
export interface OracleContext {
  readonly paths: RunPaths;
  /** Labels already journaled (replayed on resume; 0 for a new run). */
  readonly labeled: number;
}

/** An oracle that is made once the run directory is open and its journal read. */
export interface OracleFactory {
  readonly create: (context: OracleContext) => Oracle;
}

/** Everything a run in a directory needs: the options of `activeLearning`, less what the directory provides. */
export type RunSpec<L> = Omit<ActiveLearningConfig<L>, 'journal' | 'restored' | 'checkpoints' | 'oracle'> & {
  /** The oracle, or a factory called once the directory is open. */
  readonly oracle: Oracle | OracleFactory;
  /**
   * What config.json holds, besides the protocol (cycles, initial, budget, subset, epochs,
   * seed, scoreBatchSize), and what a resume must match field by field.
   */
  readonly config?: Readonly<Record<string, unknown>>;
  /** Fields of the configuration that a resume may change (say, oracle timeouts). */
  readonly mayChangeOnResume?: ReadonlyArray<string>;
  /**
   * Labels that come with the data (a new run only): journaled first, before anything else,
   * they start the labeled set (the initial random set only tops them up).
   */
  readonly givenLabels?: ReadonlyArray<JournalEntry<L>>;
  /** Recorded in results.json. */
  readonly strategyName?: string;
  readonly backendName?: string;
  /** The file-system layer (default: node:fs); tests inject tracing or failing ones. */
  readonly fs?: DurableFs;
};

type Mode = 'new' | 'resume';

/** The configuration a run directory stores: the protocol, then the caller's fields. */
const storedConfig = <L>(spec: RunSpec<L>): Readonly<Record<string, unknown>> => ({
  cycles: spec.cycles,
  initial: spec.initial,
  budget: spec.budget,
  subset: spec.subset,
  epochs: spec.epochs,
  seed: spec.seed,
  ...(spec.scoreBatchSize === undefined ? {} : { scoreBatchSize: spec.scoreBatchSize }),
  ...(spec.reserve === undefined ? {} : { reserve: spec.reserve }),
  ...(spec.config ?? {}),
});

/** A run directory's rows must agree with its journal: row N trained on the labels of cycles before N. */
const checkRowsAgainstJournal = (paths: RunPaths, rows: ReadonlyArray<CycleRow>, contents: JournalContents<unknown>): void => {
  rows.forEach((row, index) => {
    if (row.cycle !== index + 1) throw new InputError(`${paths.results}: cycles/${index} is cycle ${row.cycle}, expected ${index + 1}`);
    const before = contents.entries.filter((e) => e.cycle < row.cycle).length;
    if (row.labeled !== before) {
      throw new InputError(`${paths.results}: cycle ${row.cycle} trained on ${row.labeled} labels, but ${paths.labels} holds ${before} from before it`);
    }
  });
};

const asStorageError = (path: string, error: unknown): unknown =>
  error instanceof StorageError || (error as NodeJS.ErrnoException).code === undefined
    ? error
    : new StorageError(`cannot write ${path} (${describeFsError(error)}): the run stopped and resumes from the journal`, path, (error as NodeJS.ErrnoException).code);

const openRun = <L>(dir: string, spec: RunSpec<L>, mode: Mode): Observable<AlEvent<L>> =>
  new Observable<AlEvent<L>>((subscriber) => {
    const fs = spec.fs ?? realFs;
    const paths = runPaths(dir);
    const { learner } = spec;
    let lock: RunLock | undefined;
    let journal: FileJournal<L> | undefined;
    let inner: Subscription | undefined;
    const teardown = (): void => {
      inner?.unsubscribe();
      journal?.close();
      lock?.release();
    };
    try {
      const config = storedConfig(spec);
      let contents: JournalContents<L> = { entries: [], warnings: [] };
      let results: RunResults | undefined;
      if (mode === 'new') {
        if (fs.existsSync(paths.config)) throw new InputError(`run directory ${dir} already holds a run; continue it with resumeRun (ll4al resume ${dir})`);
        if (!fs.existsSync(dir)) {
          fs.mkdirSync(dir, { recursive: true });
          fsyncDirectory(fs, dirname(dir));
        }
        lock = acquireRunLock(paths.lock, dir, fs);
        if (fs.existsSync(paths.config)) throw new InputError(`run directory ${dir} already holds a run; continue it with resumeRun (ll4al resume ${dir})`);
        writeFileDurably(fs, paths.config, `${JSON.stringify(config, null, 2)}\n`);
      } else {
        if (!fs.existsSync(dir)) throw new InputError(`run directory ${dir} does not exist`);
        if (!fs.existsSync(paths.config)) throw new InputError(`${dir} is not a run directory (no config.json)`);
        lock = acquireRunLock(paths.lock, dir, fs);
        checkResumeConfig(paths.config, readRunConfig(paths.config, fs), config, spec.mayChangeOnResume ?? []);
        // Everything is read and checked before anything is written.
        contents = readJournal(paths.labels, learner.labelCodec, { poolSize: learner.poolSize, fs });
        results = readResults(paths.results, fs);
        checkRowsAgainstJournal(paths, results?.cycles ?? [], contents as JournalContents<unknown>);
        if (results?.finished) {
          subscriber.next({ type: 'runFinished', labeled: contents.entries.length, rows: results.cycles });
          subscriber.complete();
          return teardown;
        }
        repairJournalTail(paths.labels, fs);
      }
      removeTemporaries(fs, dir);
      journal = openFileJournal(paths.labels, learner.labelCodec, fs);
      if (mode === 'new' && spec.givenLabels !== undefined && spec.givenLabels.length > 0) {
        for (const entry of spec.givenLabels) journal.append(entry);
        contents = { entries: spec.givenLabels, warnings: [] };
      }
      const rows: CycleRow[] = [...(results?.cycles ?? [])];
      const firstCycle = rows.length + 1;
      const resumes: ResumeRecord[] = [...(results?.resumes ?? [])];
      const resumed = mode === 'resume' && (contents.entries.length > 0 || rows.length > 0);
      const thisResume: { -readonly [K in keyof ResumeRecord]: ResumeRecord[K] } | undefined = resumed
        ? { time: new Date().toISOString(), labels: contents.entries.length, cycle: firstCycle, checkpoint: 'missing', warnings: [...contents.warnings] }
        : undefined;
      if (thisResume) resumes.push(thisResume);
      // Why the run stopped early, when it did (kept across a resume of a stopped run).
      let stopped: StoppedRecord | undefined = results?.stopped;
      const save = (finished: boolean): void => {
        try {
          writeResults(
            paths.results,
            {
              task: learner.task,
              strategy: spec.strategyName ?? (typeof spec.strategy === 'string' ? spec.strategy : 'custom'),
              backend: spec.backendName ?? 'unknown',
              seed: spec.seed,
              metricName: rows[0]?.metricName ?? 'testAccuracy',
              cycles: rows,
              config,
              finished,
              ...(resumes.length > 0 ? { resumes } : {}),
              ...(stopped === undefined ? {} : { stopped }),
            },
            fs,
          );
        } catch (error) {
          throw asStorageError(paths.results, error);
        }
      };
      const warn = (message: string): void => {
        thisResume?.warnings.push(message);
        subscriber.next({ type: 'warning', message });
      };
      const restored: RestoredRun<L> | undefined =
        resumed || contents.entries.length > 0 ? { entries: contents.entries, rows, warnings: contents.warnings } : undefined;
      const oracle = typeof spec.oracle === 'object' ? spec.oracle.create({ paths, labeled: contents.entries.length }) : spec.oracle;
      const { oracle: _oracle, config: _config, mayChangeOnResume: _may, givenLabels: _given, strategyName: _name, backendName: _backend, fs: _fs, ...options } = spec;
      const events = activeLearning<L>({
        ...options,
        oracle,
        journal,
        ...(restored ? { restored } : {}),
        checkpoints: {
          save: async (cycle) => saveCheckpoint(fs, paths, cycle, (d) => learner.save(d)),
          load: async (cycle) => {
            const outcome = await loadCheckpoint(fs, paths, cycle, (d) => learner.load(d));
            if (outcome.kind === 'damaged') {
              warn(
                cycle === firstCycle
                  ? `checkpoint ${outcome.dir} is damaged (${outcome.reason}); cycle ${cycle} is trained again from the journal`
                  : `checkpoint ${outcome.dir} is damaged (${outcome.reason}); cycle ${firstCycle} trains without its warm start`,
              );
            }
            if (thisResume && cycle === firstCycle) {
              thisResume.checkpoint = outcome.kind;
              save(false);
            }
            return outcome.kind === 'loaded';
          },
        },
      });
      inner = events.subscribe({
        next: (event) => {
          try {
            if (event.type === 'cycleFinished') {
              rows.push(event.row);
              save(false);
            }
            if (event.type === 'stopped') {
              stopped = { criterion: event.criterion, cycle: event.cycle, labeled: event.labeled, reason: event.reason };
              save(false);
            }
            if (event.type === 'runFinished') save(true);
          } catch (error) {
            inner?.unsubscribe();
            subscriber.error(error);
            return;
          }
          subscriber.next(event);
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => subscriber.complete(),
      });
    } catch (error) {
      teardown();
      subscriber.error(error);
    }
    return teardown;
  });

/**
 * Starts a run in `dir` (created when missing; it must not hold a run yet) and returns its
 * events. On subscription it takes the directory's lock, writes config.json, then runs
 * `activeLearning` with a file journal (labels.jsonl), checkpoints after every training and
 * results.json after every cycle — each written durably. Unsubscribing stops the run; the
 * lock is released then, on completion, on error and at process exit.
 *
 * Use it instead of `activeLearning` when the labels are worth keeping: the run can be
 * continued with {@link resumeRun} after a crash.
 *
 * ## Example
 * ```ts
 * runInDirectory('runs/demo', {
 *   learner, strategy: 'learning-loss', oracle: simulatedOracle((id) => labels[id]),
 *   cycles: 3, initial: 200, budget: 200, subset: 2000, epochs: 2, seed: 1,
 * }).pipe(filter((e) => e.type === 'cycleFinished')).subscribe((e) => console.log(e.row));
 * ```
 * @param dir the run directory
 * @param spec the learner, strategy, oracle and protocol (and config.json's other fields)
 * @returns the run's events; errors are InputError (the directory holds a run) or StorageError (a full or read-only disk)
 */
export const runInDirectory = <L>(dir: string, spec: RunSpec<L>): Observable<AlEvent<L>> => openRun(dir, spec, 'new');

/**
 * Continues the run in `dir` from its journal, checkpoints and results.json. On subscription it
 * takes the lock, checks `spec`'s configuration against config.json (a field that differs is an
 * InputError naming it, unless listed in `mayChangeOnResume`), reads the journal (a torn last
 * line is skipped with a warning and cut off; a bad line in the middle or an id outside the
 * pool is an InputError naming the line, raised before anything is written), and goes on with
 * the current cycle. A cycle whose training had finished loads its checkpoint instead of
 * training again; a damaged checkpoint is named in a warning and the cycle is trained again
 * from the journal. results.json's `resumes` records what each resume found. A finished run
 * emits `runFinished` alone.
 *
 * ## Example
 * ```ts
 * await lastValueFrom(resumeRun('runs/demo', { learner, strategy: 'learning-loss', oracle, cycles: 3, initial: 200, budget: 200, subset: 2000, epochs: 2, seed: 1 }));
 * ```
 * @param dir a run directory written by {@link runInDirectory} (or `ll4al run`)
 * @param spec the same learner, strategy and protocol as the run's
 * @returns the run's remaining events
 */
export const resumeRun = <L>(dir: string, spec: RunSpec<L>): Observable<AlEvent<L>> => openRun(dir, spec, 'resume');
