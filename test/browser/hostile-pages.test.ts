// Hostile mail and hostile queries on search, series, message and thread pages in a real browser
// (test/browser/hostile-pages.ts says what is checked, and what npm test checks as served).
import { hostilePagesSuite } from './hostile-pages.js';

hostilePagesSuite(false);
