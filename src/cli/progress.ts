/**
 * Progress of one or many runs, rendered from their events (the JSON lines of `ll4al run
 * --json`, or AlEvents in process): bars through cli-progress on a terminal (one bar per
 * running run: strategy/trial, cycle k/N, stage, ETA), plain lines when stderr is not a
 * terminal, nothing with --quiet, and with --json every event as one JSON line on stdout.
 */
import cliProgress from 'cli-progress';

/** How progress is shown. */
export type ProgressMode = 'bars' | 'lines' | 'quiet' | 'json';

/**
 * The mode the flags and the terminal ask for: --json wins, then --quiet, then bars on a
 * terminal and plain lines elsewhere (a log file, CI).
 * @param flags --json and --quiet
 * @param isTTY whether stderr is a terminal
 * @returns the mode
 */
export const chooseProgressMode = (flags: { readonly json?: boolean; readonly quiet?: boolean }, isTTY: boolean): ProgressMode =>
  flags.json === true ? 'json' : flags.quiet === true ? 'quiet' : isTTY ? 'bars' : 'lines';

/** The shape of a run known before it starts, to size its bar. */
export interface RunShape {
  readonly cycles: number;
  readonly epochs: number;
}

/** Where one run stands, folded from its events. */
export interface RunState extends RunShape {
  readonly cycle: number;
  readonly stage: 'starting' | 'labeling' | 'training' | 'evaluating' | 'scoring' | 'querying' | 'done';
  readonly epoch: number;
  readonly scored: number;
  readonly toScore: number;
  readonly received: number;
  readonly asked: number;
  /** The last finished cycle's metric, its name and ranking accuracy. */
  readonly last?: { readonly cycle: number; readonly labeled: number; readonly metricName: string; readonly metric: number; readonly rankingAccuracy: number | null };
}

/**
 * The state of a run that has not reported anything yet.
 * @param shape its number of cycles and epochs
 * @returns the initial state
 */
export const initialRunState = (shape: RunShape): RunState => ({
  ...shape,
  cycle: 0,
  stage: 'starting',
  epoch: 0,
  scored: 0,
  toScore: 0,
  received: 0,
  asked: 0,
});

type Loose = Readonly<Record<string, unknown>>;
const num = (value: unknown, fallback = 0): number => (typeof value === 'number' && Number.isFinite(value) ? value : fallback);
const record = (value: unknown): Loose => (typeof value === 'object' && value !== null ? (value as Loose) : {});

/**
 * Folds one event of a run into its state. Unknown event types leave it unchanged, so a newer
 * run command can add events without breaking an older progress view.
 *
 * Use it for each event of a run, in order.
 * @param state the state so far
 * @param event an AlEvent (or its JSON), `{ type, … }`
 * @returns the new state
 * @example
 * advanceRun(initialRunState({ cycles: 3, epochs: 2 }), { type: 'cycleStarted', cycle: 1, cycles: 3, labeled: 200 })
 * // { …, cycle: 1, stage: 'training', epoch: 0, … }
 */
export const advanceRun = (state: RunState, event: unknown): RunState => {
  const e = record(event);
  switch (e.type) {
    case 'runStarted':
      return { ...state, cycles: num(e.cycles, state.cycles), stage: 'labeling' };
    case 'cycleStarted': {
      const cycle = num(e.cycle, state.cycle);
      return { ...state, cycle, cycles: num(e.cycles, state.cycles), stage: cycle === 0 ? 'labeling' : 'training', epoch: 0, scored: 0, toScore: 0, received: 0, asked: 0 };
    }
    case 'epochTrained': {
      const report = record(e.report);
      return { ...state, stage: 'training', epoch: num(report.epoch, state.epoch), epochs: num(report.epochs, state.epochs) };
    }
    case 'evaluated':
      return { ...state, stage: 'evaluating', epoch: state.epochs };
    case 'batchScored':
      return { ...state, stage: 'scoring', scored: num(e.scored, state.scored), toScore: num(e.total, state.toScore) };
    case 'selected': {
      const ids = Array.isArray(e.ids) ? e.ids.length : 0;
      return { ...state, stage: state.cycle === 0 ? 'labeling' : 'querying', scored: state.toScore, asked: ids, received: 0 };
    }
    case 'labelAccepted':
      return { ...state, received: state.received + 1 };
    case 'cycleFinished': {
      const row = record(e.row);
      const metricName = typeof row.metricName === 'string' ? row.metricName : 'metric';
      const ranking = row.rankingAccuracy;
      return {
        ...state,
        last: {
          cycle: num(e.cycle, state.cycle),
          labeled: num(row.labeled),
          metricName,
          metric: num(row.metric, num(row[metricName], Number.NaN)),
          rankingAccuracy: typeof ranking === 'number' ? ranking : null,
        },
      };
    }
    case 'runFinished':
      return { ...state, stage: 'done', cycle: state.cycles, epoch: state.epochs };
    default:
      return state;
  }
};

/**
 * A run's work in units for its bar and ETA: each cycle is `epochs` units of training, then
 * (all but the last) one unit of scoring and one of labels received.
 * @param state the run's state
 * @returns [done, total]
 */
export const runUnits = (state: RunState): readonly [done: number, total: number] => {
  const perCycle = state.epochs + 2;
  const total = Math.max(1, state.cycles * perCycle - 2);
  if (state.stage === 'done') return [total, total];
  if (state.cycle < 1) return [0, total];
  const fraction = (a: number, b: number): number => (b > 0 ? Math.min(1, a / b) : 0);
  const within = state.epoch + fraction(state.scored, state.toScore) + fraction(state.received, state.asked);
  return [Math.min(total, (state.cycle - 1) * perCycle + within), total];
};

/**
 * The stage of a run in words, e.g. "training epoch 3/10" or "labels 120/200".
 * @param state the run's state
 * @returns a short phrase
 */
export const describeStage = (state: RunState): string => {
  switch (state.stage) {
    case 'starting':
      return 'starting';
    case 'labeling':
      return state.asked > 0 ? `initial labels ${state.received}/${state.asked}` : 'initial labels';
    case 'training':
      // The epoch in progress (1-based); after the last epoch the evaluation follows at once.
      return `training epoch ${Math.min(state.epoch + 1, state.epochs)}/${state.epochs}`;
    case 'evaluating':
      return 'evaluating';
    case 'scoring':
      return `scoring ${state.scored}/${state.toScore}`;
    case 'querying':
      return `labels ${state.received}/${state.asked}`;
    case 'done':
      return 'done';
  }
};

/**
 * A duration for people: "45s", "3m 05s", "1h 02m"; "–" when unknown (not finite or negative).
 * @param seconds the duration
 * @returns the text
 */
export const formatDuration = (seconds: number): string => {
  if (!Number.isFinite(seconds) || seconds < 0) return '–';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
};

/**
 * Time left of a run from its progress so far, assuming the pace so far continues.
 * @param elapsedSeconds time since the run started
 * @param done units done
 * @param total units in all
 * @returns seconds left, or NaN before any unit is done
 */
export const estimateSecondsLeft = (elapsedSeconds: number, done: number, total: number): number =>
  done > 0 ? (elapsedSeconds * (total - done)) / done : Number.NaN;

const percent = (x: number): string => `${(100 * x).toFixed(1)}%`;

/**
 * One line about a finished cycle, e.g. "cycle 2/4: 400 labels, testAccuracy 71.3%, ranking 68.0%".
 * @param state the run's state after a cycleFinished event
 * @returns the line, or null when no cycle has finished
 */
export const describeLastCycle = (state: RunState): string | null => {
  const last = state.last;
  if (last === undefined) return null;
  const metric = last.metric <= 1 && last.metric >= 0 ? percent(last.metric) : last.metric.toFixed(4);
  const ranking = last.rankingAccuracy === null ? '' : `, ranking ${percent(last.rankingAccuracy)}`;
  return `cycle ${last.cycle}/${state.cycles}: ${last.labeled} labels, ${last.metricName} ${metric}${ranking}`;
};

const foundLine = (id: string, found: 'finished' | 'interrupted'): string =>
  found === 'finished' ? `[${id}] finished earlier: reused` : `[${id}] interrupted earlier: resumed from its journal and checkpoints`;

/** What a progress view is told. */
export interface Progress {
  /** A run begins (a bar appears). */
  runStarted(id: string, shape: RunShape): void;
  /** One event of a run. */
  runEvent(id: string, event: unknown): void;
  /** A run ended; `error` is its one-line error when it failed. */
  runEnded(id: string, error?: string): void;
  /** A continued comparison found a run already there: `finished` (reused) or `interrupted` (resumed next). */
  runFound(id: string, found: 'finished' | 'interrupted'): void;
  /** A note for a person (not shown in quiet or json mode). */
  note(text: string): void;
  /** Ends the view (bars removed, cursor restored). */
  stop(): void;
}

/** Streams a progress view writes to. */
export interface ProgressStreams {
  /** Bars and lines (stderr by default). */
  readonly err: NodeJS.WritableStream;
  /** JSON lines (stdout by default). */
  readonly out: NodeJS.WritableStream;
}

const defaultStreams = (): ProgressStreams => ({ err: process.stderr, out: process.stdout });

/**
 * A progress view for runs in the given mode.
 *
 * Use it in `compare` (many runs, one bar each) and `run` (one run). In json mode each event
 * is written as `{"run": id, ...event}`; the caller writes its final results line itself.
 * @param mode bars, lines, quiet or json
 * @param streams where to write
 * @returns the view
 */
export const createProgress = (mode: ProgressMode, streams: ProgressStreams = defaultStreams()): Progress => {
  const states = new Map<string, RunState>();
  const update = (id: string, event: unknown): RunState | undefined => {
    const before = states.get(id);
    if (before === undefined) return undefined;
    const after = advanceRun(before, event);
    states.set(id, after);
    return after;
  };
  switch (mode) {
    case 'quiet':
      return {
        runStarted: (id, shape) => void states.set(id, initialRunState(shape)),
        runEvent: (id, event) => void update(id, event),
        runEnded: () => {},
        runFound: () => {},
        note: () => {},
        stop: () => {},
      };
    case 'json':
      return {
        runStarted: (id, shape) => {
          states.set(id, initialRunState(shape));
          streams.out.write(`${JSON.stringify({ type: 'runLaunched', run: id, ...shape })}\n`);
        },
        runEvent: (id, event) => {
          update(id, event);
          streams.out.write(`${JSON.stringify({ run: id, ...record(event) })}\n`);
        },
        runEnded: (id, error) =>
          void streams.out.write(`${JSON.stringify(error === undefined ? { type: 'runEnded', run: id, ok: true } : { type: 'runEnded', run: id, ok: false, error })}\n`),
        runFound: (id, found) => void streams.out.write(`${JSON.stringify({ type: 'runFound', run: id, found })}\n`),
        note: () => {},
        stop: () => {},
      };
    case 'lines':
      return {
        runStarted: (id, shape) => {
          states.set(id, initialRunState(shape));
          streams.err.write(`[${id}] started: ${shape.cycles} cycles, ${shape.epochs} epochs each\n`);
        },
        runEvent: (id, event) => {
          const state = update(id, event);
          if (state !== undefined && record(event).type === 'cycleFinished') {
            streams.err.write(`[${id}] ${describeLastCycle(state) ?? ''}\n`);
          }
        },
        runEnded: (id, error) => void streams.err.write(error === undefined ? `[${id}] done\n` : `[${id}] FAILED: ${error}\n`),
        runFound: (id, found) => void streams.err.write(`${foundLine(id, found)}\n`),
        note: (text) => void streams.err.write(`${text}\n`),
        stop: () => {},
      };
    case 'bars':
      return barsProgress(streams, states, update);
  }
};

const barsProgress = (
  streams: ProgressStreams,
  states: Map<string, RunState>,
  update: (id: string, event: unknown) => RunState | undefined,
): Progress => {
  const multibar = new cliProgress.MultiBar(
    {
      stream: streams.err,
      format: '{id} |{bar}| {percentage}% | cycle {cycle}/{cycles} | {stage} | ETA {left}',
      hideCursor: true,
      clearOnComplete: false,
      autopadding: true,
      barsize: 24,
    },
    cliProgress.Presets.shades_classic,
  );
  const bars = new Map<string, cliProgress.SingleBar>();
  const started = new Map<string, number>();
  // Lines above the bars go through the library's log, which writes them from the first bar's
  // row down when it redraws; it clears only the first of those rows, so a second line logged in
  // the same frame would be written over a bar and keep the bar's tail ("…60.0%aining epoch 3/3
  // | ETA 0s"). Each line therefore erases its own row first (ANSI EL 2).
  const log = (text: string): void => multibar.log(text.split('\n').map((line) => `\x1b[2K${line}\n`).join(''));
  const width = { id: 0 };
  // Our own ETA, from the run's pace since it started: cli-progress's rate buffer swings with
  // units of unequal cost (an epoch against a scored batch) and shows INF before the first.
  const payload = (id: string, state: RunState) => {
    const [done, total] = runUnits(state);
    const elapsed = (Date.now() - (started.get(id) ?? Date.now())) / 1000;
    return {
      id: id.padEnd(width.id),
      cycle: state.cycle,
      cycles: state.cycles,
      stage: describeStage(state).padEnd(22),
      left: formatDuration(estimateSecondsLeft(elapsed, done, total)),
    };
  };
  return {
    runStarted: (id, shape) => {
      const state = initialRunState(shape);
      states.set(id, state);
      started.set(id, Date.now());
      width.id = Math.max(width.id, id.length);
      const [done, total] = runUnits(state);
      bars.set(id, multibar.create(total, done, payload(id, state)));
    },
    runEvent: (id, event) => {
      const state = update(id, event);
      const bar = bars.get(id);
      if (state === undefined || bar === undefined) return;
      const [done, total] = runUnits(state);
      bar.setTotal(total);
      bar.update(done, payload(id, state));
      if (record(event).type === 'cycleFinished') log(`[${id}] ${describeLastCycle(state) ?? ''}`);
    },
    runEnded: (id, error) => {
      const bar = bars.get(id);
      if (bar !== undefined) {
        multibar.remove(bar);
        bars.delete(id);
      }
      log(error === undefined ? `[${id}] done` : `[${id}] FAILED: ${error}`);
    },
    runFound: (id, found) => log(foundLine(id, found)),
    note: (text) => log(text),
    stop: () => {
      // A last redraw flushes lines logged since the previous frame; stop alone would drop them.
      if (multibar.isActive) multibar.update();
      multibar.stop();
    },
  };
};
