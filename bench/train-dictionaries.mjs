#!/usr/bin/env node
// node bench/train-dictionaries.mjs [MBOX] [OUTDIR]
//
// How the store's compression dictionaries were made (src/store/dictionaries/): raw-2.dict for raw
// messages (raw-codec.ts, codec 2) and html-2.dict for rendered bodies (html-codec.ts, codec 2).
// Every 4th message of the first half of MBOX (default: the virtualization list), its bytes and
// its body as the ingest renders it, go to zstd's dictionary trainer (Debian's `zstd`), which picks
// the strings that recur across messages and puts the commonest last; deflate reads only the last
// 32 KiB of a dictionary, so those are kept, leaving out zstd's own header at the start. The
// dictionaries in the tree are frozen (stored data needs them); this says how to make the next ones.
// Needs dist/ (npm run build).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { CORPUS, root } from './lib.mjs';
import { MboxSplitter } from '../dist/mail/mboxrd.js';
import { analyzeWithParts } from '../dist/mail/analyze.js';
import { renderBodyFragment } from '../dist/html/body-html.js';

/** What deflate can refer back to. */
const WINDOW = 32768;

const [mbox = CORPUS, out = join(root, 'src/store/dictionaries')] = process.argv.slice(2);
let data = readFileSync(resolve(mbox));
if (mbox.endsWith('.gz')) data = gunzipSync(data);
const splitter = new MboxSplitter();
const messages = [...splitter.push(data), ...splitter.end()];
const work = mkdtempSync(join(tmpdir(), 'lk-dict-'));
try {
  for (const kind of ['raw', 'html']) mkdirSync(join(work, kind));
  let samples = 0;
  for (let i = 0; i < messages.length / 2; i += 4) {
    writeFileSync(join(work, 'raw', `${i}`), messages[i]);
    try {
      const { parts, texts } = analyzeWithParts(messages[i]);
      writeFileSync(
        join(work, 'html', `${i}`),
        renderBodyFragment(parts, (part) => texts.get(part)),
      );
    } catch {
      // not mail: only its bytes are a sample
    }
    samples++;
  }
  for (const kind of ['raw', 'html']) {
    const trained = join(work, `${kind}.zstd-dict`);
    // a little over the window, so that the header zstd writes first falls outside what is kept
    execFileSync('zstd', ['-q', '--train', '-r', join(work, kind), '-o', trained, `--maxdict=${WINDOW + 4096}`]);
    writeFileSync(join(out, `${kind}-2.dict`), readFileSync(trained).subarray(-WINDOW));
  }
  console.log(`${samples} of ${messages.length} messages sampled; dictionaries written to ${out}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
