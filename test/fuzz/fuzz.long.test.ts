// The long fuzz (`npm run fuzz`, and in `npm run test:long`): 10,000 mutated messages of the fixtures
// and of a sample of the virtualization list (FUZZ_VARIANTS=N, FUZZ_SEED=N change the run).
import { describe } from 'vitest';
import { haveCorpus } from '../helpers/paths.js';
import { LIST } from './mutate.js';
import { envInt, fuzzSuite } from './fuzz-suite.js';

describe.skipIf(!haveCorpus(LIST))('the long fuzz', () => {
  fuzzSuite({
    variants: envInt('FUZZ_VARIANTS', 10_000),
    fuzzSeed: envInt('FUZZ_SEED', 1),
    list: true,
    served: { stored: 200, quarantined: 50 },
  });
});
