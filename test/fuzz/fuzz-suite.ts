// Mutated real mail through the real ingest: no crash, no hang, and every variant either stored
// byte for byte, quarantined with a reason, or a duplicate of a stored one. fuzz.test.ts runs a short
// fuzz of the fixtures in npm test; fuzz.long.test.ts 10,000 variants with the virtualization list.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeMessage, type AnalyzedMessage } from '../../src/mail/analyze.js';
import type { Db } from '../../src/store/open-database.js';
import { jsonSummary, startCli } from '../helpers/cli.js';
import { keptDir } from '../helpers/paths.js';
import { openReader } from '../helpers/store.js';
import { appOver, injectTurn, midUrl } from '../helpers/app.js';
import { loadSeeds, makeVariant, type Seed, type Variant } from './mutate.js';

export function envInt(name: string, fallback: number): number {
  const v = process.env[name];
  if (v === undefined || v === '') return fallback;
  if (!/^\d+$/.test(v)) throw new Error(`${name} must be a whole number, not ${JSON.stringify(v)}`);
  return Number(v);
}

/** Files per Maildir, one CLI run each: a hang or crash names a chunk small enough to look through. */
const CHUNK = 1000;
/** Far beyond what a chunk needs (giants included, well under a minute): past it, the ingest hung. */
const CHUNK_TIMEOUT_MS = 5 * 60_000;
/** Pages take well under a second; one this slow is as good as hung (and holds a worker all along). */
const RENDER_SLOW_MS = 30_000;
/** Each bad page can cost a minute: stop after this many and report them. */
const RENDER_MAX_PROBLEMS = 5;
const INBOX = 'fuzz';

type Summary = ReturnType<typeof jsonSummary>;

interface StoredRow {
  num: number;
  mid: string;
  quarantine: string | null;
}

interface Tally {
  stored: number;
  quarantined: number;
  duplicates: number;
  reasons: Map<string, number>;
}

const describeVariant = (v: Variant, fuzzSeed: number) =>
  `variant ${v.n} (FUZZ_SEED=${fuzzSeed}, seed ${v.seed}, ${v.mutations.join(' + ')})`;

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

function writeMaildir(variants: Variant[]): string {
  const dir = keptDir('lk-fuzz-maildir-');
  for (const sub of ['cur', 'new', 'tmp']) mkdirSync(join(dir, sub));
  // zero-padded, because the ingest reads a Maildir in name order
  for (const v of variants) writeFileSync(join(dir, 'new', `${String(v.n).padStart(8, '0')}.fuzz`), v.raw);
  return dir;
}

/** One `lorekeeper ingest --json` run, killed if it outlives CHUNK_TIMEOUT_MS. */
async function ingestMaildir(dataDir: string, maildir: string, label: string): Promise<Summary> {
  const child = startCli(['ingest', '--data', dataDir, '--inbox', INBOX, '--json', maildir]);
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  child.stdout!.on('data', (c: Buffer) => stdout.push(c));
  child.stderr!.on('data', (c: Buffer) => stderr.push(c));
  let hung = false;
  const timer = setTimeout(() => {
    hung = true;
    child.kill('SIGKILL');
  }, CHUNK_TIMEOUT_MS);
  const [status, signal] = (await once(child, 'close')) as [number | null, NodeJS.Signals | null];
  clearTimeout(timer);
  const err = Buffer.concat(stderr).toString();
  if (hung)
    throw new Error(`${label}: ingest hung, killed after ${CHUNK_TIMEOUT_MS / 1000} s (Maildir kept: ${maildir})`);
  if (status !== 0)
    throw new Error(`${label}: ingest crashed, exit ${status} signal ${signal} (Maildir kept: ${maildir})\n${err}`);
  return jsonSummary({ status, stdout: Buffer.concat(stdout).toString(), stderr: err });
}

/**
 * Rows stored since `afterNum`, keyed by the SHA-256 of the bytes the reader gives back: computed
 * here, not taken from the store, so a variant is found only if its exact bytes come back.
 */
function storedSince(db: Db, raw: (num: number) => Buffer | undefined, afterNum: number): Map<string, StoredRow> {
  const rows = db
    .prepare('SELECT num, mid, quarantine FROM msg WHERE num > ? ORDER BY num')
    .all(afterNum) as StoredRow[];
  const out = new Map<string, StoredRow>();
  for (const row of rows) {
    const bytes = raw(row.num);
    if (!bytes) throw new Error(`message ${row.num} (${row.mid}) has no raw bytes`);
    const key = sha256(bytes);
    if (!out.has(key)) out.set(key, row);
  }
  return out;
}

export interface FuzzRun {
  /** How many variants. */
  variants: number;
  /** FUZZ_SEED: with the seeds, it makes every variant. */
  fuzzSeed: number;
  /** Take seeds from the virtualization list too (../shared/corpus), not only from fixtures/. */
  list: boolean;
  /** Stored variants whose page and /raw are served, and quarantined ones. */
  served: { stored: number; quarantined: number };
}

/** The fuzz's tests: `variants` mutated messages ingested, accounted for, and their pages served. */
export function fuzzSuite({ variants: VARIANTS, fuzzSeed: FUZZ_SEED, list, served }: FuzzRun): void {
  describe(`fuzzing the ingest: ${VARIANTS} mutated real messages (FUZZ_SEED=${FUZZ_SEED})`, () => {
    // (outside the run's temporary root, so that a failing run's store is kept for a look)
    const dataDir = keptDir('lk-fuzz-data-');
    const chunks = Math.ceil(VARIANTS / CHUNK);
    const byBytes = new Map<string, StoredRow>();
    let seeds: Seed[];
    /** The store is kept for a look after a failure; a passing run's is removed (a long run's is gigabytes). */
    let keep = false;

    beforeAll(async () => {
      seeds = await loadSeeds(list);
    });
    afterAll(() => {
      if (keep) console.log(`fuzz: store kept at ${dataDir}`);
      else rmSync(dataDir, { recursive: true, force: true });
    });

    it(
      'stores every variant byte for byte, quarantines it with a reason, or counts it as a duplicate',
      { timeout: chunks * (CHUNK_TIMEOUT_MS + 120_000) },
      async ({ onTestFailed }) => {
        onTestFailed(() => {
          keep = true;
        });
        const tally: Tally = { stored: 0, quarantined: 0, duplicates: 0, reasons: new Map() };
        const started = Date.now();
        let lastNum = 0;
        for (let c = 0; c < chunks; c++) {
          const variants = Array.from({ length: Math.min(CHUNK, VARIANTS - c * CHUNK) }, (_, i) =>
            makeVariant(seeds, c * CHUNK + i, FUZZ_SEED),
          );
          const label = `chunk ${c + 1}/${chunks} (variants ${variants[0].n}..${variants[variants.length - 1].n}, FUZZ_SEED=${FUZZ_SEED})`;
          const maildir = writeMaildir(variants);
          const summary = await ingestMaildir(dataDir, maildir, label);
          console.log(
            `fuzz: ${label}: ${summary.added} added, ${summary.duplicates} duplicates, ${summary.quarantined} quarantined in ${summary.seconds.toFixed(1)} s`,
          );
          expect(summary.read, label).toBe(variants.length);
          expect(summary.added + summary.duplicates + summary.quarantined, label).toBe(summary.read);

          const { db, reader } = openReader(dataDir);
          try {
            const fresh = storedSince(db, (num) => reader.raw(num), lastNum);
            const rows = db.prepare('SELECT count(*) FROM msg WHERE num > ?').pluck().get(lastNum) as number;
            // an empty message is counted as quarantined but has no bytes to keep: no row
            const empty = variants.filter((v) => v.raw.length === 0).length;
            expect(rows, `${label}: rows written`).toBe(summary.added + summary.quarantined - empty);
            for (const [k, row] of fresh) byBytes.set(k, row);
            lastNum = db.prepare('SELECT coalesce(max(num), 0) FROM msg').pluck().get() as number;
            const sameContent = db
              .prepare(
                `SELECT 1 FROM msgid i JOIN id2num x ON x.id = i.id JOIN msg m ON m.num = x.num
                                        WHERE i.mid = ? AND m.chash = ? AND m.num > 0 LIMIT 1`,
              )
              .pluck();
            for (const v of variants)
              account(
                v,
                FUZZ_SEED,
                byBytes.get(sha256(v.raw)),
                (mid, chash) => sameContent.get(mid, chash) !== undefined,
                tally,
              );
          } finally {
            db.close();
          }
          rmSync(maildir, { recursive: true, force: true });
        }
        const reasons = [...tally.reasons]
          .sort((a, b) => b[1] - a[1])
          .map(([r, n]) => `${n}x ${r}`)
          .join('; ');
        console.log(
          `fuzz: ${VARIANTS} variants (FUZZ_SEED=${FUZZ_SEED}) in ${((Date.now() - started) / 1000).toFixed(1)} s: ` +
            `${tally.stored} stored, ${tally.quarantined} quarantined, ${tally.duplicates} duplicates; reasons: ${reasons || 'none'}`,
        );
        expect(tally.stored + tally.quarantined + tally.duplicates).toBe(VARIANTS);
      },
    );

    it(
      'serves the pages and /raw of stored variants promptly, without a server error',
      { timeout: 600_000 },
      async ({ onTestFailed }) => {
        onTestFailed(() => {
          keep = true;
        });
        const rows = [...new Set(byBytes.values())];
        const sample = [
          ...evenly(
            rows.filter((r) => r.quarantine === null),
            served.stored,
          ),
          ...evenly(
            rows.filter((r) => r.quarantine !== null),
            served.quarantined,
          ),
        ];
        expect(sample.length).toBeGreaterThan(0);
        const app = await appOver(dataDir);
        const problems: string[] = [];
        let slowest = { ms: 0, url: '' };
        try {
          for (const url of sample.flatMap((row) => [midUrl(INBOX, row.mid), midUrl(INBOX, row.mid, 'raw')])) {
            const started = Date.now();
            const r = await injectTurn(app, { method: 'GET', url });
            const ms = Date.now() - started;
            if (ms > slowest.ms) slowest = { ms, url };
            if (r.statusCode >= 500 || ms > RENDER_SLOW_MS)
              problems.push(`GET ${url.slice(0, 200)}: ${r.statusCode} in ${ms} ms`);
            if (problems.length >= RENDER_MAX_PROBLEMS) break;
          }
        } finally {
          await app.fastify.close();
        }
        console.log(
          `fuzz: rendered the pages of ${sample.length} variants; slowest ${slowest.ms} ms: GET ${slowest.url.slice(0, 200)}`,
        );
        expect(problems).toEqual([]);
      },
    );
  });
}

/** Where variant `v` went: its exact bytes stored (maybe quarantined), or a duplicate of a stored message. */
function account(
  v: Variant,
  fuzzSeed: number,
  row: StoredRow | undefined,
  stored: (mid: string, chash: Buffer) => boolean,
  tally: Tally,
): void {
  if (row?.quarantine === null) {
    tally.stored++;
    return;
  }
  if (row) {
    expect(row.quarantine.trim(), `${describeVariant(v, fuzzSeed)}: quarantine reason`).not.toBe('');
    tally.quarantined++;
    tally.reasons.set(row.quarantine, (tally.reasons.get(row.quarantine) ?? 0) + 1);
    return;
  }
  if (v.raw.length === 0) {
    // nothing to keep: counted as quarantined, stored nowhere (an empty blob in an epoch means purged)
    tally.quarantined++;
    tally.reasons.set('empty message', (tally.reasons.get('empty message') ?? 0) + 1);
    return;
  }
  // not stored as it came: only right if a stored message has the same Message-ID and content
  const m = analyzed(v, fuzzSeed);
  expect(
    m.mids.some((mid) => stored(mid, m.contentHash)),
    `${describeVariant(v, fuzzSeed)}: neither stored byte for byte nor a duplicate`,
  ).toBe(true);
  tally.duplicates++;
}

/** The analysis of a variant that was not stored; one that cannot be analyzed had to be quarantined. */
function analyzed(v: Variant, fuzzSeed: number): AnalyzedMessage {
  try {
    return analyzeMessage(v.raw);
  } catch (err) {
    throw new Error(
      `${describeVariant(v, fuzzSeed)}: neither stored nor quarantined, and not analyzable (${String(err)})`,
      {
        cause: err,
      },
    );
  }
}

/** Up to `n` items spread over the whole list. */
function evenly<T>(items: T[], n: number): T[] {
  if (items.length <= n) return items;
  return Array.from({ length: n }, (_, i) => items[Math.floor((i * items.length) / n)]);
}
