#!/usr/bin/env node
// npm run bench:mirror -- [--mbox MBOX.gz] [--url INBOX_URL] [--httpd-pid PID] [--port 8101] [--rounds 3]
//                          [--work DIR] [--json FILE]
// Mirrors a whole list from public-inbox-httpd with `lorekeeper mirror` (clone and ingest) and
// ingests the same list's mbox with `lorekeeper ingest`, with its epochs and with --no-epochs, in
// turn, --rounds times each (the load other programs put on the machine changes from minute to
// minute: taking turns lets each meet the same), then runs the mirror again (nothing new upstream),
// then does the job with public-inbox-clone + public-inbox-index. Prints wall time and CPU time
// (user + sys of the command and every process it ran: git, parse workers), messages/s (medians),
// the peak memory of each process tree (git and Perl helpers included), disk used, and the mirror's
// speed as a share of the mbox ingest's (the target is 80% or more), clone included and not. The
// server's CPU for the clones (public-inbox-httpd and the git it runs) is shown when its pid is
// known (it is when this script starts it; else --httpd-pid).
// Without --url, the mbox (default: ../shared/corpus/virtualization.mbox.gz) is served first by
// ../shared/tools/pi-reference on 127.0.0.1:--port (about four minutes), with PI_WORK in --work.

// @ts-check
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  STORE_FILE,
  LOREKEEPER,
  CORPUS,
  measured,
  duBytes,
  printTable,
  log,
  positiveOption,
  processTree,
  statTicks,
  startPiReference,
} from './lib.mjs';

const { values: opt } = parseArgs({
  options: {
    mbox: { type: 'string' },
    url: { type: 'string' },
    port: { type: 'string' },
    rounds: { type: 'string' },
    'httpd-pid': { type: 'string' },
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
/** The public-inbox-httpd's pid, when known (this script started it, or --httpd-pid). */
let startedPid = 0;
if (!url) {
  const port = Number(opt.port ?? '8101');
  const piWork = join(work, 'pi-reference');
  log(`serving ${mbox} with pi-reference on port ${port} (PI_WORK=${piWork}) ...`);
  const reference = await startPiReference(mbox, name, port, piWork);
  stopHttpd = reference.stop;
  startedPid = reference.pid;
  url = reference.url;
  loads.push(`served ${load()}`);
}

const httpdPid = () => startedPid || Number(opt['httpd-pid']) || 0;

/**
 * A lorekeeper command, measured; its JSON summary besides, its CPU (`cpu`: user + sys) and the
 * server's meanwhile (`serverCpu`, the httpd and the git processes it reaped; null when unknown).
 */
async function lorekeeper(args) {
  const pid = httpdPid();
  // the master, its workers and what they reaped (the git serving the clone)
  const server = () => (pid ? processTree(pid).reduce((n, p) => n + (statTicks(p, true) ?? 0), 0) : undefined);
  const before = server();
  const r = await measured(process.execPath, [LOREKEEPER, ...args]);
  const after = server();
  const serverCpu = before !== undefined && after !== undefined ? (after - before) / 100 : null;
  return { ...r, cpu: r.user + r.sys, serverCpu, summary: JSON.parse(r.stdout.trim()) };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

try {
  const mirrors = [];
  const ingests = [];
  const bare = [];
  for (let i = 0; i < rounds; i++) {
    log(`round ${i + 1}/${rounds}: lorekeeper mirror ${url} ...`);
    mirrors.push(await lorekeeper(['mirror', '--data', join(work, `mirror-${i}`), '--inbox', name, '--json', url]));
    log(`round ${i + 1}/${rounds}: lorekeeper ingest ${mbox} ...`);
    ingests.push(await lorekeeper(['ingest', '--data', join(work, `mbox-${i}`), '--inbox', name, '--json', mbox]));
    log(`round ${i + 1}/${rounds}: lorekeeper ingest --no-epochs ${mbox} ...`);
    const noEpochs = join(work, `no-epochs-${i}`);
    bare.push(await lorekeeper(['ingest', '--data', noEpochs, '--inbox', name, '--no-epochs', '--json', mbox]));
    rmSync(noEpochs, { recursive: true, force: true });
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
  const list = (xs) => xs.map((s) => s.toFixed(1)).join(', ');
  /** The median of a measure of some runs, and every run's: `12.3 (14.0, 12.3, 11.9)`. */
  const figure = (xs) => `${median(xs).toFixed(1)} (${list(xs)})`;
  const seconds = (rs) => rs.map((r) => r.seconds);
  const cpu = (rs) => rs.map((r) => r.cpu);
  const ingestSeconds = (rs) => rs.map((r) => r.summary.seconds);
  const cloneSeconds = (rs) => rs.map((r) => r.seconds - r.summary.seconds);
  const gitBytes = duBytes(join(lk, 'inboxes'));
  const storeBytes = duBytes(join(lk, STORE_FILE));
  const piSeconds = clone.seconds + index.seconds;
  const [mirrorS, mboxS, bareS] = [median(seconds(mirrors)), median(seconds(ingests)), median(seconds(bare))];
  const serverCpu = mirrors.map((r) => r.serverCpu);
  const rows = [
    ['', 'wall s (median; each)', 'CPU s (median; each)', 'messages/s', 'peak RSS MiB', 'disk MiB'],
    [
      'lorekeeper mirror (clone + ingest)',
      figure(seconds(mirrors)),
      figure(cpu(mirrors)),
      rate(mirrorS),
      MiB(Math.max(...mirrors.map((r) => r.peakTreeRss))),
      `${MiB(gitBytes + storeBytes)} (git ${MiB(gitBytes)}, store ${MiB(storeBytes)})`,
    ],
    ['  until the first epoch is cloned', figure(cloneSeconds(mirrors)), '', '', '', ''],
    ['  from then on (its ingest)', figure(ingestSeconds(mirrors)), '', rate(median(ingestSeconds(mirrors))), '', ''],
    [
      '  the server, for the clone',
      '',
      serverCpu.every((c) => c !== null) ? figure(serverCpu) : 'unknown (--httpd-pid)',
      '',
      '',
      '',
    ],
    ['lorekeeper mirror again', again.seconds.toFixed(1), again.cpu.toFixed(1), '-', MiB(again.peakTreeRss), ''],
    [
      'lorekeeper ingest of the mbox',
      figure(seconds(ingests)),
      figure(cpu(ingests)),
      rate(mboxS),
      MiB(Math.max(...ingests.map((r) => r.peakTreeRss))),
      MiB(duBytes(join(work, 'mbox-0'))),
    ],
    [
      '  --no-epochs',
      figure(seconds(bare)),
      figure(cpu(bare)),
      rate(bareS),
      MiB(Math.max(...bare.map((r) => r.peakTreeRss))),
      '',
    ],
    [
      'public-inbox-clone + -index',
      piSeconds.toFixed(1),
      (clone.user + clone.sys + index.user + index.sys).toFixed(1),
      rate(piSeconds),
      MiB(Math.max(clone.peakTreeRss, index.peakTreeRss)),
      MiB(duBytes(pic)),
    ],
    [
      '  public-inbox-clone',
      clone.seconds.toFixed(1),
      (clone.user + clone.sys).toFixed(1),
      '',
      MiB(clone.peakTreeRss),
      '',
    ],
    [
      '  public-inbox-index',
      index.seconds.toFixed(1),
      (index.user + index.sys).toFixed(1),
      rate(index.seconds),
      MiB(index.peakTreeRss),
      '',
    ],
  ];
  console.log(
    `${url}: ${messages} messages read, ${first.added} added, ${first.duplicates} duplicates, ` +
      `${first.quarantined} quarantined, ${MiB(first.fetchedBytes)} MiB fetched; ` +
      `again: ${again.summary.read} read, ${again.summary.fetchedBytes} bytes fetched`,
  );
  printTable(rows);
  const pct = (a, b) => ((a / b) * 100).toFixed(0) + '%';
  const byRound = (xs, ys) => xs.map((x, i) => pct(ys[i], x)).join(', ');
  console.log(
    `mirror speed / mbox ingest speed (target: 80%), medians and round by round:\n` +
      `  wall, clone included: ${pct(mboxS, mirrorS)} (${byRound(seconds(mirrors), seconds(ingests))}); ` +
      `against --no-epochs ${pct(bareS, mirrorS)} (${byRound(seconds(mirrors), seconds(bare))})\n` +
      `  wall, from the first epoch cloned: ${pct(mboxS, median(ingestSeconds(mirrors)))}; ` +
      `against --no-epochs ${pct(bareS, median(ingestSeconds(mirrors)))}\n` +
      `  CPU, clone included: ${pct(median(cpu(ingests)), median(cpu(mirrors)))} ` +
      `(${byRound(cpu(mirrors), cpu(ingests))}); against --no-epochs ${pct(median(cpu(bare)), median(cpu(mirrors)))}\n` +
      `${(piSeconds / mirrorS).toFixed(1)}x public-inbox-clone + public-inbox-index (wall)`,
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
          noEpochs: bare.map(strip),
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
