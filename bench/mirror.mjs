#!/usr/bin/env node
// npm run bench:mirror -- [--mbox MBOX.gz] [--url INBOX_URL] [--port 8101] [--work DIR] [--json FILE]
// Mirrors a whole list from public-inbox-httpd with `lorekeeper mirror` (clone and ingest), runs
// it again (nothing new upstream), and does the same job with public-inbox-clone +
// public-inbox-index; then ingests the list's mbox with `lorekeeper ingest`. Prints messages/s,
// the peak memory of each process tree (git and Perl helpers included), disk used, and the
// mirror's speed as a share of the mbox ingest's (the target is 80% or more).
// Without --url, the mbox (default: ../shared/corpus/virtualization.mbox.gz) is served first by
// ../shared/tools/pi-reference on 127.0.0.1:--port (about four minutes), with PI_WORK in --work.
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { root, LOREKEEPER, CORPUS, measured, duBytes, run, printTable, log } from './lib.mjs';

const { values: opt } = parseArgs({
  options: {
    mbox: { type: 'string' },
    url: { type: 'string' },
    port: { type: 'string' },
    work: { type: 'string' },
    json: { type: 'string' },
  },
});
const mbox = resolve(opt.mbox ?? CORPUS);
const work = opt.work ? resolve(opt.work) : mkdtempSync(join(tmpdir(), 'lk-bench-mirror-'));
mkdirSync(work, { recursive: true });
const name = 'bench';
const load = () =>
  loadavg()
    .map((n) => n.toFixed(2))
    .join(' ');
const loads = [`start ${load()}`];

// public-inbox's tools get a HOME of their own, never the user's ~/.public-inbox
const piHome = join(work, 'pi-home');
mkdirSync(piHome, { recursive: true });
const piEnv = { ...process.env, HOME: piHome, PI_CONFIG: join(piHome, 'config') };

let url = opt.url;
let httpdPidFile;
if (!url) {
  const port = opt.port ?? '8101';
  const piWork = join(work, 'pi-reference');
  log(`serving ${mbox} with pi-reference on port ${port} (PI_WORK=${piWork}) ...`);
  const r = await run('bash', [join(root, '..', 'shared', 'tools', 'pi-reference'), mbox, name, port], {
    env: { ...process.env, PI_WORK: piWork },
  });
  if (r.code !== 0) throw new Error(`pi-reference failed: ${r.err}`);
  httpdPidFile = join(piWork, `httpd-${port}.pid`);
  url = `http://127.0.0.1:${port}/${name}/`;
}
const stopHttpd = () => {
  if (!httpdPidFile) return;
  try {
    process.kill(Number(readFileSync(httpdPidFile, 'utf8')), 'SIGTERM');
  } catch {
    /* gone */
  }
};
loads.push(`served ${load()}`);

try {
  const lk = join(work, 'lorekeeper');
  log(`lorekeeper mirror ${url} ...`);
  const first = await measured(process.execPath, [LOREKEEPER, 'mirror', '--data', lk, '--inbox', name, '--json', url]);
  const firstSummary = JSON.parse(first.stdout.trim());
  loads.push(`mirrored ${load()}`);
  log('lorekeeper mirror again (nothing new upstream) ...');
  const again = await measured(process.execPath, [LOREKEEPER, 'mirror', '--data', lk, '--inbox', name, '--json', url]);
  const againSummary = JSON.parse(again.stdout.trim());

  const pic = join(work, 'public-inbox-clone');
  log(`public-inbox-clone ${url} ...`);
  const clone = await measured('public-inbox-clone', ['-q', url, pic], piEnv);
  log('public-inbox-index ...');
  const index = await measured('public-inbox-index', [pic], piEnv);
  loads.push(`public-inbox ${load()}`);

  const byMbox = join(work, 'mbox');
  log(`lorekeeper ingest ${mbox} ...`);
  const ingest = await measured(process.execPath, [
    LOREKEEPER,
    'ingest',
    '--data',
    byMbox,
    '--inbox',
    name,
    '--json',
    mbox,
  ]);
  const ingestSummary = JSON.parse(ingest.stdout.trim());
  loads.push(`end ${load()}`);

  const messages = firstSummary.read;
  const MiB = (b) => (b / 2 ** 20).toFixed(1);
  const rate = (s) => Math.round(messages / s).toLocaleString('en');
  const gitBytes = duBytes(join(lk, 'inboxes'));
  const storeBytes = duBytes(join(lk, 'lorekeeper.sqlite3'));
  const piSeconds = clone.seconds + index.seconds;
  const rows = [
    ['', 'wall s', 'messages/s', 'peak RSS MiB', 'disk MiB'],
    [
      'lorekeeper mirror (clone + ingest)',
      first.seconds.toFixed(1),
      rate(first.seconds),
      MiB(first.peakTreeRss),
      `${MiB(gitBytes + storeBytes)} (git ${MiB(gitBytes)}, store ${MiB(storeBytes)})`,
    ],
    ['  of which ingest', firstSummary.seconds.toFixed(1), rate(firstSummary.seconds), '', ''],
    ['lorekeeper mirror again', again.seconds.toFixed(1), '-', MiB(again.peakTreeRss), ''],
    [
      'public-inbox-clone + -index',
      piSeconds.toFixed(1),
      rate(piSeconds),
      MiB(Math.max(clone.peakTreeRss, index.peakTreeRss)),
      MiB(duBytes(pic)),
    ],
    ['  public-inbox-clone', clone.seconds.toFixed(1), '', MiB(clone.peakTreeRss), ''],
    ['  public-inbox-index', index.seconds.toFixed(1), rate(index.seconds), MiB(index.peakTreeRss), ''],
    [
      'lorekeeper ingest of the mbox',
      ingest.seconds.toFixed(1),
      rate(ingest.seconds),
      MiB(ingest.peakTreeRss),
      MiB(duBytes(byMbox)),
    ],
  ];
  console.log(
    `${url}: ${messages} messages read, ${firstSummary.added} added, ${firstSummary.duplicates} duplicates, ` +
      `${firstSummary.quarantined} quarantined, ${MiB(firstSummary.fetchedBytes)} MiB fetched; ` +
      `again: ${againSummary.read} read, ${againSummary.fetchedBytes} bytes fetched`,
  );
  printTable(rows);
  const share = ingest.seconds / first.seconds;
  console.log(
    `mirror speed / mbox ingest speed: ${(share * 100).toFixed(0)}% whole command, ` +
      `${((ingestSummary.seconds / firstSummary.seconds) * 100).toFixed(0)}% ingest alone (target: 80%); ` +
      `${(piSeconds / first.seconds).toFixed(1)}x public-inbox-clone + public-inbox-index`,
  );
  console.log(`load average (1, 5, 15 min): ${loads.join('; ')}`);
  if (opt.json) {
    writeFileSync(
      opt.json,
      JSON.stringify(
        { url, messages, first, firstSummary, again, againSummary, clone, index, ingest, ingestSummary, loads },
        null,
        1,
      ),
    );
  }
} finally {
  stopHttpd();
  if (!opt.work) rmSync(work, { recursive: true, force: true });
}
