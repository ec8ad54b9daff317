// The hostile sample in a real browser, every case (test/browser/hostile-sample.ts says what is checked).
import { hostileSampleSuite } from './hostile-sample.js';

hostileSampleSuite(false);
