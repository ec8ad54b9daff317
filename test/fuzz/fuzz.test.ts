// A short fuzz in npm test: 300 mutated messages of the fixtures' real threads and hostile sample
// (test/fuzz/fuzz-suite.ts says what each must come to); FUZZ_SEED=N replays another run.
import { envInt, fuzzSuite } from './fuzz-suite.js';

fuzzSuite({
  variants: 300,
  fuzzSeed: envInt('FUZZ_SEED', 1),
  list: false,
  served: { stored: 100, quarantined: 25 },
});
