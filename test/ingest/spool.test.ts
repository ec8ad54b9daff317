// `lorekeeper ingest --spool DIR [--watch SECONDS]`: the writer's ingest of the Maildir a mail server
// delivers a list's mail into (deploy/systemd/lorekeeper-ingest@.service). Taken once: in arrival
// order, out of the spool once stored, and a take killed halfway losing and doubling nothing.
// Watching: one process takes mail as it lands, a burst at a time, and nothing while none does; its
// store and epochs (rolled small here, so that each take begins where the last one left the newest
// epoch) equal one ingest of the same mail, also when another ingest wrote between two takes.
import { describe, it, expect, afterEach } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fixture, tempDir } from '../helpers/paths.js';
import { jsonSummary, runCli, runCliBeside, runCliHere, startCli } from '../helpers/cli.js';
import { have } from '../helpers/programs.js';
import { readMbox, tempMbox } from '../helpers/mbox.js';
import { digestOf } from '../helpers/store.js';

const THREAD = readMbox(fixture('virtio-ring-cleanup-v2.thread.mbox'));
const OTHER = readMbox(fixture('vsock-multicid.thread.mbox'));
/** Small epochs: the 23 messages of THREAD fill several. */
const EPOCH_SIZE = '40k';

let delivered = 0;
/** A message as a mail server delivers it: written in tmp/, then renamed into new/, named in arrival order. */
function deliver(spool: string, raw: Buffer): void {
  const name = `17000${String(++delivered).padStart(5, '0')}.M${delivered}P1.mx`;
  for (const d of ['tmp', 'new']) mkdirSync(join(spool, d), { recursive: true });
  writeFileSync(join(spool, 'tmp', name), raw);
  renameSync(join(spool, 'tmp', name), join(spool, 'new', name));
}

const ingestArgs = (data: string) => [
  ...['ingest', '--data', data, '--inbox', 'virtualization', '--json', '--jobs', '0'],
  ...['--epoch-size', EPOCH_SIZE],
];

/** The digest of a store of these mboxes, ingested one after the other by one run. */
async function ingestedAtOnce(...batches: Buffer[][]): Promise<string> {
  const data = tempDir();
  const r = await runCliHere([...ingestArgs(data), ...batches.map(tempMbox)]);
  expect(r.status, r.stderr).toBe(0);
  return digestOf(data);
}

describe.skipIf(!have('git'))('ingest --spool', () => {
  const take = async (data: string, spool: string) => {
    const r = await runCliHere([...ingestArgs(data), '--spool', spool]);
    expect(r.status, r.stderr).toBe(0);
    return r.stdout.trim();
  };

  it('takes the spool in arrival order, empties it, and then has nothing to do', async () => {
    const [data, spool] = [tempDir(), join(tempDir(), 'virtualization')];
    for (const m of THREAD) deliver(spool, m);
    expect(JSON.parse(await take(data, spool))).toMatchObject({ read: THREAD.length, added: THREAD.length });
    expect(readdirSync(join(spool, 'new'))).toEqual([]);
    expect(readdirSync(join(spool, '.taking', 'new'))).toEqual([]);
    expect(await take(data, spool)).toBe('');
    expect(digestOf(data)).toBe(await ingestedAtOnce(THREAD));
  });

  it('after a take killed halfway, takes its mail first, losing and doubling nothing', async () => {
    const [data, spool] = [tempDir(), join(tempDir(), 'virtualization')];
    for (const m of THREAD) deliver(spool, m);
    // a take moved the first half out of new/, stored three of them, and was killed
    const half = Math.floor(THREAD.length / 2);
    const taking = join(spool, '.taking');
    for (const d of ['new', 'cur', 'tmp']) mkdirSync(join(taking, d), { recursive: true });
    for (const f of readdirSync(join(spool, 'new')).sort().slice(0, half))
      renameSync(join(spool, 'new', f), join(taking, 'new', f));
    expect((await runCliHere([...ingestArgs(data), tempMbox(THREAD.slice(0, 3))])).status).toBe(0);
    // the next take is the killed one's mail alone, what was stored counting as duplicates
    expect(JSON.parse(await take(data, spool))).toMatchObject({ read: half, added: half - 3, duplicates: 3 });
    expect(readdirSync(join(spool, 'new'))).toHaveLength(THREAD.length - half);
    expect(JSON.parse(await take(data, spool))).toMatchObject({ added: THREAD.length - half });
    expect(digestOf(data)).toBe(await ingestedAtOnce(THREAD));
  });

  it('is refused with SOURCE, and --watch without it', async () => {
    const data = tempDir();
    const both = await runCliHere([...ingestArgs(data), '--spool', tempDir(), tempMbox(THREAD)]);
    expect([both.status, both.stderr]).toEqual([2, expect.stringContaining('leave out SOURCE')]);
    const watch = await runCliHere([...ingestArgs(data), '--watch', '1', tempMbox(THREAD)]);
    expect([watch.status, watch.stderr]).toEqual([2, expect.stringContaining('give --spool DIR')]);
  });
});

describe.skipIf(!have('git'))('ingest --spool --watch', () => {
  let watcher: ChildProcess | undefined;
  afterEach(() => void watcher?.kill('SIGKILL'));

  /** A watcher of `spool` into `data`, and the JSON lines it printed so far (one per take). */
  function watch(data: string, spool: string) {
    const takes: { read: number; added: number }[] = [];
    let stderr = '';
    let buffered = '';
    watcher = startCli([...ingestArgs(data), '--spool', spool, '--watch', '2']);
    watcher.stdout?.on('data', (c: Buffer) => {
      const lines = (buffered + c.toString()).split('\n');
      buffered = lines.pop() ?? '';
      for (const l of lines) takes.push(JSON.parse(l));
    });
    watcher.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
    /** Until the takes have read `n` messages in all. */
    const taken = async (n: number) => {
      const t0 = Date.now();
      while (takes.reduce((a, t) => a + t.read, 0) < n) {
        if (Date.now() - t0 > 30_000 || watcher?.exitCode !== null)
          throw new Error(`the watcher took ${JSON.stringify(takes)} of ${n}: ${stderr}`);
        await sleep(50);
      }
    };
    return { takes, taken, stderr: () => stderr };
  }

  it('takes mail as it lands, a burst at a time, nothing while none does, as one ingest would', async () => {
    const [data, spool] = [tempDir(), join(tempDir(), 'virtualization')];
    const w = watch(data, spool);
    const first = THREAD.slice(0, 15);
    for (const m of first) deliver(spool, m);
    await w.taken(first.length);
    // a burst is taken whole (or in a take and what landed during it)
    expect(w.takes.length).toBeLessThanOrEqual(2);
    const takesThen = w.takes.length;
    await sleep(2500);
    expect(w.takes.length, w.stderr()).toBe(takesThen);
    for (const m of THREAD.slice(15)) deliver(spool, m);
    await w.taken(THREAD.length);
    expect(readdirSync(join(spool, 'new'))).toEqual([]);
    // the same store, epochs and their commits as one run of the same mail: every take began where
    // the one before left the newest epoch, rolling where one run rolls
    expect(digestOf(data)).toBe(await ingestedAtOnce(first, THREAD.slice(15)));
    expect(readdirSync(join(data, 'inboxes', 'virtualization', 'git')).length).toBeGreaterThan(2);
  });

  it('begins where the store stands when another ingest wrote between two takes', async () => {
    const [data, spool] = [tempDir(), join(tempDir(), 'virtualization')];
    const w = watch(data, spool);
    const first = THREAD.slice(0, 12);
    for (const m of first) deliver(spool, m);
    await w.taken(first.length);
    jsonSummary(runCli([...ingestArgs(data), tempMbox(OTHER)]));
    for (const m of THREAD.slice(12)) deliver(spool, m);
    await w.taken(THREAD.length);
    expect(digestOf(data)).toBe(await ingestedAtOnce(first, OTHER, THREAD.slice(12)));
  });

  it('ends at once with the reason when its store cannot be written', async () => {
    const file = join(tempDir(), 'not-a-directory');
    writeFileSync(file, '');
    const spool = join(tempDir(), 'virtualization');
    deliver(spool, THREAD[0]);
    const r = await runCliBeside([...ingestArgs(file), '--spool', spool, '--watch', '1']);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(file);
    // the mail waits in the spool for the next start
    expect(readdirSync(join(spool, '.taking', 'new'))).toHaveLength(1);
  });
});
