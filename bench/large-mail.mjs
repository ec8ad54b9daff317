#!/usr/bin/env node
// node bench/large-mail.mjs [--min-bytes N] [--out FILE] [MBOX[.gz]]
// Writes the "large mail" ingest input of issue 14: the patch mails (a `diff --git` line) of the
// virtualization list (or MBOX) of at least N bytes (8,000 by default), in arrival order, as mboxrd,
// so the same messages every time: 4,139 messages of 14.5 KB on average (the whole list: 12.3 KB),
// 57 MiB. Prints what it wrote. The file is big: it goes to /tmp, never into the repository.

// @ts-check
import { createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { once } from 'node:events';
import { CORPUS, positiveOption } from './lib.mjs';
import { resolveSources, readMessages } from '../dist/ingest/sources.js';
import { toMboxrd } from '../dist/mail/mboxrd.js';

/** A patch mail as git format-patch writes it: a line starting a file's diff. */
const GIT_DIFF = /^diff --git /m;

/** Write the patch mails of `source` of `minBytes` or more to `out`; returns how many and their bytes. */
export async function writeLargeMail(source, out, minBytes) {
  const file = createWriteStream(out);
  let messages = 0;
  let bytes = 0;
  for await (const raw of readMessages(resolveSources([source])[0], 'mboxrd', () => {})) {
    if (raw.length < minBytes || !GIT_DIFF.test(raw.toString('latin1'))) continue;
    if (!file.write(toMboxrd(raw))) await once(file, 'drain');
    messages++;
    bytes += raw.length;
  }
  file.end();
  await once(file, 'finish');
  return { messages, bytes };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { 'min-bytes': { type: 'string' }, out: { type: 'string' } },
  });
  const minBytes = positiveOption('large-mail')(values['min-bytes'], '--min-bytes', 8000);
  const out = values.out ?? join(tmpdir(), `large-mail-${minBytes}.mbox`);
  const { messages, bytes } = await writeLargeMail(positionals[0] ?? CORPUS, out, minBytes);
  console.log(
    `${out}: ${messages} messages, ${(bytes / 2 ** 20).toFixed(1)} MiB, ${Math.round(bytes / messages)} bytes on average`,
  );
}
