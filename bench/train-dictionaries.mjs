#!/usr/bin/env node
// node bench/train-dictionaries.mjs [MBOX] [OUTDIR]
//
// How the store's compression dictionaries were made: src/store/dictionaries/raw-2.dict for raw
// messages (raw-codec.ts, codec 2), html-2.dict for rendered bodies (html-codec.ts, codec 2), and
// src/mail/doc-dictionary.ts for reading models (message-doc.ts, codec 2; a module, as mail/ reads
// no files). Every 4th message of the first half of MBOX (default: the virtualization list), its
// bytes, its body as the ingest renders it and its reading model, go to zstd's dictionary trainer
// (Debian's `zstd`), which picks the strings that recur across messages and puts the commonest last;
// deflate reads only the last 32 KiB of a dictionary, so those are kept, leaving out zstd's own
// header at the start. The dictionaries in the tree are frozen (stored data needs them); this says
// how to make the next ones.
// Needs dist/ (npm run build).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { CORPUS, root } from './lib.mjs';
import { MboxSplitter } from '../dist/mail/mboxrd.js';
import { analyzeWithParts, NotMailError } from '../dist/mail/analyze.js';
import { decodeDoc } from '../dist/mail/message-doc.js';
import { renderBodyFragment } from '../dist/html/body-html.js';

/** What deflate can refer back to. */
const WINDOW = 32768;

const [mbox = CORPUS, out = join(root, 'src/store/dictionaries')] = process.argv.slice(2);
const docModule = join(out, '../../mail/doc-dictionary.ts');

/** The doc dictionary as a TypeScript module: its bytes as Latin-1 text, printable ASCII as it is. */
function tsModule(dict) {
  const lines = [''];
  for (const b of dict) {
    const printable = b >= 0x20 && b < 0x7f && b !== 0x27 && b !== 0x5c;
    if (lines[lines.length - 1].length >= 100) lines.push('');
    lines[lines.length - 1] += printable ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`;
  }
  return [
    '// The frozen dictionary of reading models deflated with codec 2 (message-doc.ts): written by',
    '// bench/train-dictionaries.mjs, never by hand. Stored docs need it as it is.',
    '',
    'export const DOC_DICTIONARY_V2 = Buffer.from(',
    '  [',
    ...lines.map((l) => `    '${l}',`),
    "  ].join(''),",
    "  'latin1',",
    ');',
    '',
  ].join('\n');
}
let data = readFileSync(resolve(mbox));
if (mbox.endsWith('.gz')) data = gunzipSync(data);
const splitter = new MboxSplitter();
const messages = [...splitter.push(data), ...splitter.end()];
const work = mkdtempSync(join(tmpdir(), 'lk-dict-'));
try {
  const kinds = ['raw', 'html', 'doc'];
  for (const kind of kinds) mkdirSync(join(work, kind));
  let samples = 0;
  for (let i = 0; i < messages.length / 2; i += 4) {
    writeFileSync(join(work, 'raw', `${i}`), messages[i]);
    try {
      const { parts, texts, message } = analyzeWithParts(messages[i]);
      writeFileSync(
        join(work, 'html', `${i}`),
        renderBodyFragment(parts, (part) => texts.get(part)),
      );
      writeFileSync(join(work, 'doc', `${i}`), JSON.stringify(decodeDoc(message.doc)));
    } catch (err) {
      if (!(err instanceof NotMailError)) throw err; // not mail: only its bytes are a sample
    }
    samples++;
  }
  for (const kind of kinds) {
    const trained = join(work, `${kind}.zstd-dict`);
    // a little over the window, so that the header zstd writes first falls outside what is kept
    execFileSync('zstd', ['-q', '--train', '-r', join(work, kind), '-o', trained, `--maxdict=${WINDOW + 4096}`]);
    const dict = readFileSync(trained).subarray(-WINDOW);
    if (kind === 'doc') writeFileSync(join(docModule), tsModule(dict));
    else writeFileSync(join(out, `${kind}-2.dict`), dict);
  }
  console.log(`${samples} of ${messages.length} messages sampled; dictionaries written to ${out}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
