import fc from 'fast-check';

// Bounded runs keep the whole suite fast; a property that needs more says so itself.
fc.configureGlobal({ numRuns: 60 });
