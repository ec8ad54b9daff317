// `lorekeeper ingest --spool DIR [--watch SECONDS]`: the writer's ingest of the Maildir a mail server
// delivers a list's mail into (deploy/systemd/lorekeeper-ingest@.service). Taken once: in arrival
// order, out of the spool once stored, and a take killed halfway losing and doubling nothing.
// Watching: one process takes mail as it lands, a burst at a time, and nothing while none does; its
// store and epochs (rolled small here, so that each take begins where the last one left the newest
// epoch) equal one ingest of the same mail, also when another ingest wrote between two takes.
import { describe, it, expect, afterEach } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
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

  /**
   * A watcher of `spool` into `data` looking every `every` seconds, and the JSON lines it printed so
   * far (one per take).
   */
  function watch(data: string, spool: string, every = 3600) {
    const takes: { read: number; added: number }[] = [];
    let stderr = '';
    let buffered = '';
    watcher = startCli([...ingestArgs(data), '--spool', spool, '--watch', String(every)]);
    watcher.stdout?.on('data', (c: Buffer) => {
      const lines = (buffered + c.toString()).split('\n');
      buffered = lines.pop() ?? '';
      for (const l of lines) takes.push(JSON.parse(l));
    });
    watcher.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
    /** Until the takes have read `n` messages in all; the seconds it took. */
    const taken = async (n: number, limitMs = 30_000) => {
      const t0 = Date.now();
      while (takes.reduce((a, t) => a + t.read, 0) < n) {
        if (Date.now() - t0 > limitMs || watcher?.exitCode !== null)
          throw new Error(`the watcher took ${JSON.stringify(takes)} of ${n} in ${limitMs} ms: ${stderr}`);
        await sleep(50);
      }
      return (Date.now() - t0) / 1000;
    };
    /** CPU time the watcher used so far, in clock ticks (user + system). */
    const ticks = () => {
      const stat = readFileSync(`/proc/${watcher?.pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return Number(f[11]) + Number(f[12]);
    };
    return { takes, taken, ticks, stderr: () => stderr };
  }

  it('takes mail as it lands, a burst at a time, nothing while none does, as one ingest would', async () => {
    const [data, spool] = [tempDir(), join(tempDir(), 'virtualization')];
    // an hour between looks: only the news that mail landed can wake it
    const w = watch(data, spool);
    await sleep(1000);
    const first = THREAD.slice(0, 15);
    // a burst, as a mail server delivers a series: a message every 10 ms
    for (const m of first) {
      deliver(spool, m);
      await sleep(10);
    }
    expect(await w.taken(first.length)).toBeLessThan(10);
    // given a moment to land, the burst is one take (or one and what landed during it)
    expect(w.takes.length).toBeLessThanOrEqual(2);
    const [takesThen, ticksThen] = [w.takes.length, w.ticks()];
    await sleep(2500);
    // idle: no take, and next to no CPU (a tick is 10 ms)
    expect(w.takes.length, w.stderr()).toBe(takesThen);
    expect(w.ticks() - ticksThen).toBeLessThan(10);
    for (const m of THREAD.slice(15)) deliver(spool, m);
    await w.taken(THREAD.length);
    expect(readdirSync(join(spool, 'new'))).toEqual([]);
    // the same store, epochs and their commits as one run of the same mail: every take began where
    // the one before left the newest epoch, rolling where one run rolls
    expect(digestOf(data)).toBe(await ingestedAtOnce(first, THREAD.slice(15)));
    expect(readdirSync(join(data, 'inboxes', 'virtualization', 'git')).length).toBeGreaterThan(2);
  });

  it('begins where the store stands when another ingest wrote between two takes, with epochs or without', async () => {
    const [data, spool] = [tempDir(), join(tempDir(), 'virtualization')];
    const w = watch(data, spool);
    const [a, b, c] = [THREAD.slice(0, 8), THREAD.slice(8, 16), THREAD.slice(16)];
    for (const m of a) deliver(spool, m);
    await w.taken(a.length);
    // mail stored without commits: the next take commits it first, as any ingest does
    jsonSummary(runCli([...ingestArgs(data), '--no-epochs', tempMbox(OTHER.slice(0, 3))]));
    for (const m of b) deliver(spool, m);
    await w.taken(a.length + b.length);
    // mail stored with commits: the epochs' tips moved
    jsonSummary(runCli([...ingestArgs(data), tempMbox(OTHER.slice(3))]));
    for (const m of c) deliver(spool, m);
    await w.taken(THREAD.length);
    expect(digestOf(data)).toBe(await ingestedAtOnce(a, OTHER.slice(0, 3), b, OTHER.slice(3), c));
  });

  it('ends at once with the reason when its store cannot be written, mail waiting or not', async () => {
    const file = join(tempDir(), 'not-a-directory');
    writeFileSync(file, '');
    const spool = join(tempDir(), 'virtualization');
    const empty = await runCliBeside([...ingestArgs(file), '--spool', spool, '--watch', '1']);
    expect([empty.status, empty.stderr]).toEqual([1, expect.stringContaining(file)]);
    deliver(spool, THREAD[0]);
    const r = await runCliBeside([...ingestArgs(file), '--spool', spool, '--watch', '1']);
    expect([r.status, r.stderr]).toEqual([1, expect.stringContaining(file)]);
    // the mail waits in the spool for the next start
    expect(readdirSync(join(spool, 'new'))).toHaveLength(1);
  });
});
