// Where mail comes from: mbox files (plain or gzipped), Maildirs, single .eml files, or one message
// on standard input. Everything is streamed; nothing holds a whole archive in memory.
import { createReadStream, openSync, readSync, closeSync, statSync, readdirSync, accessSync, constants } from 'node:fs';
import { join } from 'node:path';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';
import { MboxSplitter, type MboxFormat } from '../mail/mboxrd.js';

export type SourceKind = 'mbox' | 'mbox.gz' | 'maildir' | 'eml' | 'stdin';

export interface Source {
  /** As given on the command line. */
  label: string;
  kind: SourceKind;
  path: string;
  /** Bytes we will read from disk (compressed size for .gz), for progress; 0 when unknown. */
  bytes: number;
}

export class SourceError extends Error {}

const READ_CHUNK = 1 << 18;

function peek(path: string, n: number): Buffer {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(n);
    const got = readSync(fd, buf, 0, n, 0);
    return buf.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}

function maildirFiles(dir: string): string[] {
  const files: string[] = [];
  for (const sub of ['cur', 'new']) {
    let names: string[];
    try {
      names = readdirSync(join(dir, sub));
    } catch {
      continue;
    }
    // sorted, so that a Maildir ingests in the same order every time
    for (const name of names.sort()) if (!name.startsWith('.')) files.push(join(dir, sub, name));
  }
  return files;
}

/**
 * Check every source before anything is written, so a typo never leaves a half-done ingest. None
 * at all is an error unless there is something else to read (`others`: a git history).
 */
export function resolveSources(args: string[], others = false): Source[] {
  if (!args.length && !others)
    throw new SourceError('no SOURCE given: name an mbox, mbox.gz, Maildir, .eml file, or - for standard input');
  return args.map((label): Source => {
    if (label === '-') return { label, kind: 'stdin', path: '-', bytes: 0 };
    let st;
    try {
      st = statSync(label);
      accessSync(label, constants.R_OK);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new SourceError(
        `cannot read ${label}: ${code === 'ENOENT' ? 'no such file or directory' : code === 'EACCES' ? 'permission denied' : String(err)}`,
      );
    }
    if (st.isDirectory()) {
      if (
        !['cur', 'new'].some((d) => {
          try {
            return statSync(join(label, d)).isDirectory();
          } catch {
            return false;
          }
        })
      ) {
        throw new SourceError(`${label} is a directory but not a Maildir (no cur/ or new/)`);
      }
      const bytes = maildirFiles(label).reduce((n, f) => n + statSync(f).size, 0);
      return { label, kind: 'maildir', path: label, bytes };
    }
    if (!st.isFile()) throw new SourceError(`${label} is not a regular file`);
    const head = peek(label, 5);
    if (head[0] === 0x1f && head[1] === 0x8b) return { label, kind: 'mbox.gz', path: label, bytes: st.size };
    if (head.toString('latin1') === 'From ') return { label, kind: 'mbox', path: label, bytes: st.size };
    return { label, kind: 'eml', path: label, bytes: st.size };
  });
}

async function* splitStream(
  stream: Readable,
  format: MboxFormat,
  onBytes: (n: number) => void,
  counted: Readable,
): AsyncGenerator<Buffer> {
  counted.on('data', (c: Buffer) => onBytes(c.length));
  const splitter = new MboxSplitter(format);
  for await (const chunk of stream) yield* splitter.push(chunk as Buffer);
  yield* splitter.end();
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** The raw messages of a source, in order. `onBytes` reports progress in source bytes. */
export async function* readMessages(
  src: Source,
  format: MboxFormat,
  onBytes: (n: number) => void,
): AsyncGenerator<Buffer> {
  switch (src.kind) {
    case 'mbox': {
      const file = createReadStream(src.path, { highWaterMark: READ_CHUNK });
      yield* splitStream(file, format, onBytes, file);
      return;
    }
    case 'mbox.gz': {
      const file = createReadStream(src.path, { highWaterMark: READ_CHUNK });
      const gunzip = file.pipe(createGunzip({ chunkSize: READ_CHUNK }));
      file.on('error', (err) => gunzip.destroy(err));
      yield* splitStream(gunzip, format, onBytes, file);
      return;
    }
    case 'maildir':
      for (const f of maildirFiles(src.path)) {
        const raw = await readAll(createReadStream(f));
        onBytes(raw.length);
        yield raw;
      }
      return;
    case 'eml': {
      const raw = await readAll(createReadStream(src.path));
      onBytes(raw.length);
      yield raw;
      return;
    }
    case 'stdin': {
      // one message, as a mail server's delivery hook pipes it; a leading mbox From_ line is framing
      const raw = await readAll(process.stdin);
      onBytes(raw.length);
      if (raw.subarray(0, 5).toString('latin1') === 'From ') {
        const splitter = new MboxSplitter(format);
        yield* [...splitter.push(raw), ...splitter.end()];
      } else yield raw;
      return;
    }
  }
}
