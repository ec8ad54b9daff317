// The hostile sample in a real browser, every one of its 569 messages (test/browser/hostile-sample.ts).
import { hostileSampleSuite } from './hostile-sample.js';

hostileSampleSuite(true);
