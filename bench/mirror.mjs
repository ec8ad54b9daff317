#!/usr/bin/env node
// npm run bench:mirror -- [--mbox MBOX.gz] [--url INBOX_URL] [--port 8101] [--rounds 3] [--work DIR] [--json FILE]
// Mirrors a whole list from public-inbox-httpd with `lorekeeper mirror` (clone and ingest) and
// ingests the same list's mbox with `lorekeeper ingest`, alternately, --rounds times each (the
// load other programs put on the machine changes from minute to minute: alternating lets both
// meet the same), then runs the mirror again (nothing new upstream), then does the job with
// public-inbox-clone + public-inbox-index. Prints messages/s (medians), the peak memory of each
// process tree (git and Perl helpers included), disk used, and the mirror's speed as a share of
// the mbox ingest's (the target is 80% or more).
// Without --url, the mbox (default: ../shared/corpus/virtualization.mbox.gz) is served first by
// ../shared/tools/pi-reference on 127.0.0.1:--port (about four minutes), with PI_WORK in --work.

// @ts-check
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { LOREKEEPER, CORPUS, measured, duBytes, printTable, log, positiveOption, startPiReference } from './lib.mjs';

const { values: opt } = parseArgs({
  options: {
    mbox: { type: 'string' },
    url: { type: 'string' },
    port: { type: 'string' },
    rounds: { type: 'string' },
    work: { type: 'string' },
    json: { type: 'string' },
  },
});
const mbox = resolve(opt.mbox ?? CORPUS);
const rounds = Math.round(positiveOption('bench:mirror')(opt.rounds, '--rounds', 3));
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
/** Stops the public-inbox-httpd this script started, if it did. */
let stopHttpd = async () => {};
if (!url) {
  const port = Number(opt.port ?? '8101');
  const piWork = join(work, 'pi-reference');
  log(`serving ${mbox} with pi-reference on port ${port} (PI_WORK=${piWork}) ...`);
  const reference = await startPiReference(mbox, name, port, piWork);
  stopHttpd = reference.stop;
  url = reference.url;
  loads.push(`served ${load()}`);
}

/** A lorekeeper command, measured; its JSON summary besides. */
async function lorekeeper(args) {
  const r = await measured(process.execPath, [LOREKEEPER, ...args]);
  return { ...r, summary: JSON.parse(r.stdout.trim()) };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

try {
  const mirrors = [];
  const ingests = [];
  for (let i = 0; i < rounds; i++) {
    log(`round ${i + 1}/${rounds}: lorekeeper mirror ${url} ...`);
    mirrors.push(await lorekeeper(['mirror', '--data', join(work, `mirror-${i}`), '--inbox', name, '--json', url]));
    log(`round ${i + 1}/${rounds}: lorekeeper ingest ${mbox} ...`);
    ingests.push(await lorekeeper(['ingest', '--data', join(work, `mbox-${i}`), '--inbox', name, '--json', mbox]));
    loads.push(`round ${i + 1} ${load()}`);
  }
  const lk = join(work, 'mirror-0');
  log('lorekeeper mirror again (nothing new upstream) ...');
  const again = await lorekeeper(['mirror', '--data', lk, '--inbox', name, '--json', url]);

  const pic = join(work, 'public-inbox-clone');
  log(`public-inbox-clone ${url} ...`);
  const clone = await measured('public-inbox-clone', ['-q', url, pic], piEnv);
  log('public-inbox-index ...');
  const index = await measured('public-inbox-index', [pic], piEnv);
  loads.push(`public-inbox ${load()}`);

  const first = mirrors[0].summary;
  const messages = first.read;
  const MiB = (b) => (b / 2 ** 20).toFixed(1);
  const rate = (s) => Math.round(messages / s).toLocaleString('en');
  const seconds = (rs) => rs.map((r) => r.seconds);
  const ingestSeconds = (rs) => rs.map((r) => r.summary.seconds);
  const list = (xs) => xs.map((s) => s.toFixed(1)).join(', ');
  const gitBytes = duBytes(join(lk, 'inboxes'));
  const storeBytes = duBytes(join(lk, 'lorekeeper.sqlite3'));
  const piSeconds = clone.seconds + index.seconds;
  const [mirrorS, mboxS] = [median(seconds(mirrors)), median(seconds(ingests))];
  const rows = [
    ['', 'wall s (median; each)', 'messages/s', 'peak RSS MiB', 'disk MiB'],
    [
      'lorekeeper mirror (clone + ingest)',
      `${mirrorS.toFixed(1)} (${list(seconds(mirrors))})`,
      rate(mirrorS),
      MiB(Math.max(...mirrors.map((r) => r.peakTreeRss))),
      `${MiB(gitBytes + storeBytes)} (git ${MiB(gitBytes)}, store ${MiB(storeBytes)})`,
    ],
    [
      '  of which ingest',
      `${median(ingestSeconds(mirrors)).toFixed(1)} (${list(ingestSeconds(mirrors))})`,
      rate(median(ingestSeconds(mirrors))),
      '',
      '',
    ],
    ['lorekeeper mirror again', again.seconds.toFixed(1), '-', MiB(again.peakTreeRss), ''],
    [
      'lorekeeper ingest of the mbox',
      `${mboxS.toFixed(1)} (${list(seconds(ingests))})`,
      rate(mboxS),
      MiB(Math.max(...ingests.map((r) => r.peakTreeRss))),
      MiB(duBytes(join(work, 'mbox-0'))),
    ],
    [
      'public-inbox-clone + -index',
      piSeconds.toFixed(1),
      rate(piSeconds),
      MiB(Math.max(clone.peakTreeRss, index.peakTreeRss)),
      MiB(duBytes(pic)),
    ],
    ['  public-inbox-clone', clone.seconds.toFixed(1), '', MiB(clone.peakTreeRss), ''],
    ['  public-inbox-index', index.seconds.toFixed(1), rate(index.seconds), MiB(index.peakTreeRss), ''],
  ];
  console.log(
    `${url}: ${messages} messages read, ${first.added} added, ${first.duplicates} duplicates, ` +
      `${first.quarantined} quarantined, ${MiB(first.fetchedBytes)} MiB fetched; ` +
      `again: ${again.summary.read} read, ${again.summary.fetchedBytes} bytes fetched`,
  );
  printTable(rows);
  const shares = mirrors.map((m, i) => ((ingests[i].seconds / m.seconds) * 100).toFixed(0) + '%');
  console.log(
    `mirror speed / mbox ingest speed: ${((mboxS / mirrorS) * 100).toFixed(0)}% of the medians, ` +
      `${shares.join(', ')} round by round (target: 80%); ` +
      `${(piSeconds / mirrorS).toFixed(1)}x public-inbox-clone + public-inbox-index`,
  );
  console.log(`load average (1, 5, 15 min): ${loads.join('; ')}`);
  if (opt.json) {
    const strip = ({ stdout: _stdout, ...r }) => r;
    writeFileSync(
      opt.json,
      JSON.stringify(
        {
          url,
          messages,
          mirrors: mirrors.map(strip),
          ingests: ingests.map(strip),
          again: strip(again),
          clone,
          index,
          loads,
        },
        null,
        1,
      ),
    );
  }
} finally {
  await stopHttpd();
  if (!opt.work) rmSync(work, { recursive: true, force: true });
}
