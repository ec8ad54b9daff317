// Hostile mail and hostile queries on search, series, message and thread pages, every page opened in
// a real browser (test/browser/hostile-pages.ts).
import { hostilePagesSuite } from './hostile-pages.js';

hostilePagesSuite(true);
