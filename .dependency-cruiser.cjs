/**
 * The shape of src/, checked by dependency-cruiser in `npm test` (test/architecture/
 * dependencyRules.test.ts) and by `npm run lint:deps`:
 *
 * 1. no import cycle anywhere in src/ (type-only imports count: a cycle of types is a cycle of
 *    ideas);
 * 2. each folder imports only the folders listed for it below — lower roles, never higher
 *    ones — besides itself, src/inputError.ts and packages. A folder not listed here may
 *    import no other folder until it is given a line.
 *
 *    results, config, ops, backend      the bottom: codecs, settings, pure functions, kernels
 *    data, oracles, store, report       edges: data sets, label sources (oracles may show data), the run's files, reports
 *    tasks                              learners (over backend, data, ops)
 *    streams                            the pipeline (over tasks, oracles, store, ops, results)
 *    run                                the run directory (over streams, store, oracles)
 *    remote                             scoring on workers (over streams, tasks, data, config, backend)
 *    cli                                the top: may import anything
 *
 *    A few files cross the table, each listed in `crossings` with where its idea belongs.
 */
const layers = {
  results: [],
  config: [],
  ops: [],
  backend: [],
  data: ['ops'],
  // the browser oracle shows the pool's images
  oracles: ['ops', 'data'],
  store: ['results'],
  // reports compute with the pure functions too (seeded bootstrap intervals, the stopping criteria)
  report: ['results', 'ops'],
  tasks: ['ops', 'backend', 'data'],
  streams: ['ops', 'oracles', 'results', 'store', 'tasks'],
  run: ['oracles', 'results', 'store', 'streams'],
  // scoring on BullMQ workers: the stage that sends shards and the worker process that scores them
  remote: ['ops', 'results', 'config', 'data', 'tasks', 'streams', 'backend'],
  cli: ['[^/]+'],
};

/**
 * Files allowed one crossing against the table, each a known debt with where the idea belongs;
 * fix one by moving the module, then delete its line.
 */
const crossings = [
  // streams' remote-scoring stage uses remote's wire format, job codec and queue (the stage belongs in remote/)
  { from: '^src/streams/scoreOnWorkers\\.ts$', to: ['remote'] },
  // the run config decodes --score-workers with remote's Redis URL parser (the parser belongs in config/)
  { from: '^src/config/runConfig\\.ts$', to: ['remote'] },
  // the worker process builds its learner with the CLI's task setup (taskSetup belongs in tasks/)
  { from: '^src/remote/scoringWorker\\.ts$', to: ['cli'] },
  // the browser oracle's pages show the run's progress from its events (AlEvent belongs below streams, e.g. in results/)
  { from: '^src/oracles/browserOracle\\.ts$', to: ['streams'] },
];

const folders = Object.keys(layers);

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'An import cycle in src/: break it by moving the shared idea into a lower folder.',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    ...folders.map((folder) => {
      const crossingFiles = crossings.filter((c) => c.from.startsWith(`^src/${folder}/`)).map((c) => c.from);
      return {
        name: `layer-${folder}`,
        comment: `src/${folder}/ may import ${layers[folder].length === 0 ? 'no other folder of src/' : `only src/${layers[folder].join(', src/')}`} (see .dependency-cruiser.cjs)`,
        severity: 'error',
        from: { path: `^src/${folder}/`, ...(crossingFiles.length > 0 ? { pathNot: crossingFiles.join('|') } : {}) },
        to: { path: '^src/[^/]+/', pathNot: `^src/(${[folder, ...layers[folder]].join('|')})/` },
      };
    }),
    ...crossings.map((crossing) => {
      const folder = /^\^src\/([^/]+)\//.exec(crossing.from)[1];
      const allowed = [folder, ...layers[folder], ...crossing.to];
      return {
        name: `layer-${folder}`,
        comment: `${crossing.from} may import only src/${allowed.join(', src/')} (a known crossing, see .dependency-cruiser.cjs)`,
        severity: 'error',
        from: { path: crossing.from },
        to: { path: '^src/[^/]+/', pathNot: `^src/(${allowed.join('|')})/` },
      };
    }),
    {
      name: 'layer-unlisted-folder',
      comment: 'A folder of src/ that .dependency-cruiser.cjs does not list may not import other folders: give it a line there.',
      severity: 'error',
      from: { path: '^src/([^/]+)/', pathNot: `^src/(${folders.join('|')})/` },
      to: { path: '^src/[^/]+/', pathNot: '^src/$1/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    exclude: { path: '\\.d\\.ts$' },
  },
};
