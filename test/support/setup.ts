import fc from 'fast-check';

// Bounded runs keep the whole suite fast; a property that needs more says so itself.
// FC_SEED (an integer) fixes every property's seed, so a run can be repeated exactly: .ci/run
// derives it from the commit, so the same commit draws the same cases; without it fast-check
// draws a new seed each run (and prints the one that failed).
const fixedSeed = process.env['FC_SEED'];
if (fixedSeed !== undefined && fixedSeed !== '' && !/^-?\d+$/.test(fixedSeed)) throw new Error(`FC_SEED must be an integer, got '${fixedSeed}'`);
fc.configureGlobal({ numRuns: 60, ...(fixedSeed === undefined || fixedSeed === '' ? {} : { seed: Number(fixedSeed) }) });
