#!/usr/bin/env node
// npm run soak:cluster -- [--mbox MBOX[.gz]] [--data DIR] [--inbox NAME] [--new N] [--batch N]
//                         [--jobs N] [--duration S] [--connections N] [--threads N] [--timeout S]
//                         [--kill-at S] [--restart-at S] [--watch S] [--workers N] [--json FILE] [--keep]
//
// Several machines on one: a writer, two read replicas following it as
// deploy/systemd/lorekeeper-follow.service has them follow (`lorekeeper mirror --watch`, every
// --watch seconds: LOREKEEPER_WATCH of deploy/lorekeeper.env by default) and the real HAProxy
// (/usr/sbin/haproxy) in front, run with deploy/haproxy.cfg (its addresses and ports replaced, the
// service settings of `global` and the logs left out). wrk at --connections (64) for --duration
// (60) seconds through the balancer over the soak's mix of URLs (as bench/soak.mjs builds it),
// while the last --new (2,000) messages of the archive arrive on the writer at an even pace, --batch
// (50) or more at a time delivered into its Maildir spool and taken by its `lorekeeper ingest
// --spool --watch` (deploy/systemd/lorekeeper-ingest@.service); at --kill-at (20) s the second
// replica (its server and its follower) is killed with SIGKILL, and started again at --restart-at
// (35) s. Each server runs
// --workers processes (lorekeeper's default, one per core, as the unit runs it). The servers, the
// followers and the writer (its ingests too) run with the niceness and the environment the units
// give them. They all share this machine's cores, where a cluster has a machine each.
//
// Reported: requests, the errors at the balancer (wrk's non-2xx/3xx answers and socket errors, and
// HAProxy's own counters: 5xx answers, failed connections and answers, retries, redispatches; and
// from its log the requests it replayed, searches apart, by how they ended), the latencies, when
// HAProxy took the killed replica out and back, and the lag: from the end of each
// ingest on the writer to the first 200 for /raw of its last new message on each replica, asked of
// the replica itself every 100 ms (a saturated server answers it seconds later), and to when the
// replica's store held it (read every 100 ms): replication apart from the wait for an answer.
// Targets: zero errors at the balancer; a lag of at most 10 s on every replica while it runs (mail
// that arrived while a replica was down is reported as the time it took to show after the restart);
// at the end every replica's store equals the writer's (lorekeeper digest).
//
//   the stores:  the base part of the archive (all but the last --new messages) ingested on the
//                writer, epochs and all, then mirrored by a replica; each run works on copies (one
//                of the writer, two of the replica). With --data DIR, DIR/writer and DIR/replica
//                keep the base stores for the next run.
//
// Exits 1 when a target is missed, 2 on wrong usage. --keep leaves the work directory (stores,
// logs, haproxy.cfg, the wrk script) in place and prints where it is.

// @ts-check
import { appendFileSync, closeSync, mkdirSync, openSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import {
  LOREKEEPER,
  STATUS_LUA,
  root,
  log,
  sleep,
  prng,
  freePort,
  get,
  fmtMs,
  printTable,
  processTree,
  machineTicks,
  hasStore,
  ingest,
  spoolIngest,
  run,
  startServe,
  tail,
  writeWrkScript,
  benchOptions,
  soakStart,
  runWrk,
  finishSoak,
  urlKinds,
  urlMix,
  notAnswering,
  feedMail,
  statusFigures,
  wrkLines,
  midEscape,
} from './lib.mjs';
import { StoreSamples } from '../dist/store/samples.js';

const PROG = 'soak:cluster';
const HAPROXY = '/usr/sbin/haproxy';
const DEPLOY = join(root, 'deploy');

// ---------------------------------------------------------------------------------------------
// options

const cli = benchOptions(
  PROG,
  import.meta.url,
  { strings: ['new', 'batch', 'jobs', 'kill-at', 'restart-at', 'watch', 'workers'], flags: ['keep'] },
  { duration: 60, connections: 64, threads: 2, timeout: 30 },
);
const { opt, num } = cli;
const KILL_AT = num(opt['kill-at'], '--kill-at', 20);
const RESTART_AT = num(opt['restart-at'], '--restart-at', 35);
/** A setting of a deploy/ file (`KEY=value` lines): the soak runs what the units run. */
const deployed = (file, key) => new RegExp(`^${key}=(.*)$`, 'm').exec(readFileSync(join(DEPLOY, file), 'utf8'))?.[1];
const WATCH = Math.round(num(opt.watch, '--watch', Number(deployed('lorekeeper.env', 'LOREKEEPER_WATCH') ?? 2)));
/** Worker processes per server: lorekeeper's default (one per core), as the serve unit runs it, unless given. */
const WORKERS = opt.workers === undefined ? undefined : Math.round(num(opt.workers, '--workers', 1));
/** The niceness of the servers, the followers and the writer's ingests, and its environment, as the units have them. */
const SERVE_NICE = Number(deployed('systemd/lorekeeper-serve.service', 'Nice') ?? 0);
const FOLLOW_NICE = Number(deployed('systemd/lorekeeper-follow.service', 'Nice') ?? 0);
const INGEST_NICE = Number(deployed('systemd/lorekeeper-ingest@.service', 'Nice') ?? 0);
const WRITER_ENV = Object.fromEntries(
  [deployed('systemd/lorekeeper-serve.service.d/writer.conf', 'Environment')].flatMap((kv) =>
    kv === undefined ? [] : [kv.split('=')],
  ),
);
const MAX_THREAD = 400;
const LAG_TARGET = 10;
/** How long after the load the replicas may take to show the last mail and equal the writer. */
const SETTLE_MS = 120_000;
if (!(KILL_AT < RESTART_AT && RESTART_AT < cli.duration)) {
  console.error(`${PROG}: --kill-at < --restart-at < --duration, please`);
  process.exit(2);
}

// ---------------------------------------------------------------------------------------------
// 1. the archive, and the base stores of the writer and of a replica

const soak = await soakStart(PROG, 'soak-cluster', cli);
const { work, cleanups, fail, split } = soak;

/** A command that must succeed (cp, git, haproxy -c); its output. */
async function must(cmd, argv) {
  const r = await run(cmd, argv);
  if (r.code !== 0) await fail(`${cmd} ${argv.join(' ')} failed (exit ${r.code}): ${r.err.trim()}`);
  return r.out;
}

/** Every process this script started: none outlives it, even when it fails (an error, a bug). */
const launched = new Set();
process.on('exit', () => {
  for (const pid of launched) killTree(pid);
});

/**
 * A process started with its output appended to `logFile` (and each line of its standard output
 * passed to `onLine` when given); `kill()` ends its whole tree with SIGKILL.
 */
function launch(cmd, argv, logFile, onLine) {
  const fd = openSync(logFile, 'a');
  const child = spawn(cmd, argv, { stdio: ['ignore', onLine ? 'pipe' : fd, fd] });
  closeSync(fd);
  if (onLine && child.stdout)
    createInterface({ input: child.stdout }).on('line', (l) => (appendFileSync(logFile, l + '\n'), onLine(l)));
  launched.add(child.pid);
  return { child, kill: () => killTree(child.pid) };
}

/** SIGKILL to a process and every descendant, as when its machine dies. */
function killTree(pid) {
  for (const p of processTree(pid).reverse()) {
    try {
      process.kill(p, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
}

/**
 * `lorekeeper mirror` of the whole writer at `url` into `dataDir`; with `watch`, running until
 * killed, at the follow unit's niceness (a raise needs root: without it, nice says so and runs it).
 * `onLine` gets its lines, one per run.
 */
const follow = (dataDir, url, logFile, watch, onLine) =>
  launch(
    'nice',
    [
      '-n',
      String(watch ? FOLLOW_NICE : 0),
      process.execPath,
      LOREKEEPER,
      'mirror',
      '--data',
      dataDir,
      '--json',
      ...(watch ? ['--watch', String(watch)] : []),
      url,
    ],
    logFile,
    onLine,
  );

/** `lorekeeper digest` of a data directory. */
const digest = async (dataDir) => (await must(process.execPath, [LOREKEEPER, 'digest', '--data', dataDir])).trim();

const baseDir = opt.data ? resolve(opt.data) : join(work, 'base');
mkdirSync(baseDir, { recursive: true });
const writerBase = join(baseDir, 'writer');
const replicaBase = join(baseDir, 'replica');
if (!hasStore(writerBase)) {
  log(`${PROG}: ingesting the base part (${split.base} messages) on the writer, ${writerBase} ...`);
  try {
    const s = await ingest(writerBase, soak.inbox, [split.baseFile]);
    log(`${PROG}: ${s.added} added in ${s.seconds} s`);
  } catch (e) {
    await fail(e.message);
  }
}
if (!hasStore(replicaBase)) {
  log(`${PROG}: mirroring the writer into ${replicaBase} ...`);
  const port = await freePort();
  const writer = startServe(writerBase, port, {
    logFile: join(work, 'base-writer.log'),
    probeUrl: `http://127.0.0.1:${port}/`,
  });
  await writer.ready();
  const m = follow(replicaBase, `http://127.0.0.1:${port}/`, join(work, 'base-mirror.log'));
  const code = await new Promise((r) => m.child.once('exit', r));
  await writer.stop();
  if (code !== 0) await fail(`the base mirror failed: ${tail(join(work, 'base-mirror.log'))}`);
}

/** Every bare repository of a data directory: its state repository and its inboxes' epochs. */
const reposOf = (dataDir) => [
  join(dataDir, 'admin.git'),
  ...readdirSync(join(dataDir, 'inboxes')).flatMap((ib) =>
    readdirSync(join(dataDir, 'inboxes', ib, 'git')).map((e) => join(dataDir, 'inboxes', ib, 'git', e)),
  ),
];

// the copies this run works on; the replicas' repositories fetch from this run's writer
const writerPort = await freePort();
const writerUrl = `http://127.0.0.1:${writerPort}/`;
const writerDir = join(work, 'writer');
const replicas = [join(work, 'replica1'), join(work, 'replica2')];
log(`${PROG}: copying the base stores ...`);
await must('cp', ['-a', writerBase, writerDir]);
for (const dir of replicas) {
  await must('cp', ['-a', replicaBase, dir]);
  for (const repo of reposOf(dir)) {
    const url = (await must('git', ['--git-dir', repo, 'config', 'remote.origin.url'])).trim();
    await must('git', ['--git-dir', repo, 'config', 'remote.origin.url', url.replace(/^http:\/\/[^/]+\//, writerUrl)]);
  }
}

// ---------------------------------------------------------------------------------------------
// 2. the cluster: the writer, two replicas and their followers, HAProxy

const db = new StoreSamples(writerDir);
const inboxId =
  db.inboxId(soak.inbox) ??
  (await fail(`inbox ${JSON.stringify(soak.inbox)} is not in the writer's store: pass --inbox`, 2));
const baseMessages = db.messageCount(inboxId);
const rand = prng(0x50a4);
const kinds = urlKinds(db, inboxId, rand, MAX_THREAD);
// the message each ingest is probed by: its last one with a Message-ID that is new to the store
const seen = new Set();
const probeMid = split.fresh.map((m) => {
  const mid = m.mids[0];
  const fresh = mid !== undefined && !seen.has(mid) && !db.holds(mid);
  if (mid !== undefined) seen.add(mid);
  return fresh ? mid : undefined;
});
db.close();

/** Seconds since the load began (before it: negative). */
let loadStart = Date.now();
const at = () => (Date.now() - loadStart) / 1000;

const servers = [];
const serverLog = (name) => join(work, `${name}.serve.log`);
async function serve(name, dataDir, port) {
  const s = startServe(dataDir, port, {
    logFile: serverLog(name),
    probeUrl: `http://127.0.0.1:${port}/${soak.inbox}/`,
    workers: WORKERS,
    nice: SERVE_NICE,
    env: name === 'writer' ? WRITER_ENV : {},
  });
  launched.add(s.child.pid);
  cleanups.push(() => s.stop());
  await s.ready();
  return s;
}
servers.push(await serve('writer', writerDir, writerPort));
/** A follower's runs, as it reports them (one JSON line each), with when they ended. */
/** @type {(runs: object[]) => (line: string) => void} */
const ranOn = (runs) => (line) => {
  try {
    runs.push({ t: at(), ...JSON.parse(line) });
  } catch {
    /* not a run's line */
  }
};
const replicaPorts = [await freePort(), await freePort()];
/**
 * @typedef {object} Replica
 * @property {string} name
 * @property {string} dir
 * @property {number} port
 * @property {Awaited<ReturnType<typeof serve>>} server
 * @property {any[]} runs its follower's runs, as it printed them
 * @property {ReturnType<typeof follow>} follower
 */
/** @type {Replica[]} */
const node = [];
for (const [i, dir] of replicas.entries()) {
  const [name, port] = [`replica${i + 1}`, replicaPorts[i]];
  /** @type {any[]} */
  const runs = [];
  const server = await serve(name, dir, port);
  const follower = follow(dir, writerUrl, join(work, `${name}.follow.log`), WATCH, ranOn(runs));
  const r = { name, dir, port, server, runs, follower };
  node.push(r);
  cleanups.push(() => r.follower.kill());
}

/**
 * deploy/haproxy.cfg for this machine: the addresses and ports replaced, no service settings, and
 * the log on standard output (haproxy.log), of the answers that went wrong only.
 */
function haproxyConfig(ports) {
  const address = { replica1: ports.replica1, replica2: ports.replica2, writer: ports.writer };
  return readFileSync(join(DEPLOY, 'haproxy.cfg'), 'utf8')
    .split('\n')
    .filter((l) => !/^\s*(chroot|user|group|daemon|stats socket)\b/.test(l))
    .map((l) =>
      l
        .replace(/^(\s*)log \/dev\/log .*$/, '$1log stdout format raw local0')
        .replace(/^(\s*)option dontlognull$/, '$1option dontlognull\n$1option dontlog-normal')
        .replace(/^(\s*bind) :80$/, `$1 127.0.0.1:${ports.front}`)
        .replace(/^(\s*bind) 127\.0\.0\.1:8404$/, `$1 127.0.0.1:${ports.stats}`)
        .replace(/^(\s*server (\w+)) \S+/, (all, head, name) =>
          address[name] ? `${head} 127.0.0.1:${address[name]}` : all,
        ),
    )
    .join('\n');
}
const lbPort = await freePort();
const statsPort = await freePort();
const cfg = join(work, 'haproxy.cfg');
writeFileSync(
  cfg,
  haproxyConfig({
    front: lbPort,
    stats: statsPort,
    writer: writerPort,
    replica1: node[0].port,
    replica2: node[1].port,
  }),
);
await must(HAPROXY, ['-c', '-q', '-f', cfg]);
const haproxy = launch(HAPROXY, ['-db', '-f', cfg], join(work, 'haproxy.log'));
cleanups.push(() => haproxy.kill());
const origin = `http://127.0.0.1:${lbPort}`;
const base = `${origin}/${soak.inbox}/`;

/** HAProxy's counters, one row per frontend, backend and server (`pxname/svname` -> fields). */
async function haproxyStats() {
  const r = await get(`http://127.0.0.1:${statsPort}/stats;csv`, 5000, { gzip: false });
  if (r.status !== 200) return undefined;
  const [head, ...lines] = r.body.toString('utf8').trim().split('\n');
  const cols = head.replace(/^# /, '').split(',');
  const rows = {};
  for (const l of lines) {
    const f = l.split(',');
    const row = Object.fromEntries(cols.map((c, i) => [c, f[i]]));
    rows[`${row.pxname}/${row.svname}`] = row;
  }
  return rows;
}
for (let i = 0; ; i++) {
  const st = await haproxyStats();
  if (node.every((r) => st?.[`replicas/${r.name}`]?.status === 'UP')) break;
  if (i > 100) await fail(`HAProxy does not see both replicas up: ${tail(join(work, 'haproxy.log'))}`);
  await sleep(200);
}
log(`${PROG}: writer ${writerUrl}, replicas on ${replicaPorts.join(' and ')}, HAProxy ${base}`);

const mix = await urlMix(kinds, base, soak.inbox, rand);
log(`${PROG}: checking the ${mix.length} URLs of the mix answer through HAProxy ...`);
const bad = await notAnswering(origin, mix);
if (bad.length)
  await fail(`${bad.length} URLs of the mix do not answer before the load, e.g.:\n  ${bad.slice(0, 10).join('\n  ')}`);
const statsBefore = await haproxyStats();

// ---------------------------------------------------------------------------------------------
// 3. the run: wrk through HAProxy, the new mail on the writer, a replica killed and restarted, the
//    replicas asked for each ingest's last message, HAProxy's view of the servers

const script = writeWrkScript(
  join(work, 'soak.lua'),
  mix.map((u) => u.path),
  { threads: cli.threads, gzip: true, lua: STATUS_LUA, by: 'bench/soak-cluster.mjs' },
);
/**
 * Each ingest's probe: its last new Message-ID, when its ingest ended, and on each replica when its
 * store first held it (`stored`) and when its server first answered 200 for it (`seen`: asked,
 * answered: a saturated server answers seconds after it is asked).
 */
const probes = [];
/** Changes of the killed replica's state as HAProxy's checks see it. */
const transitions = [];
const events = {};
let loadOver = false;
let settling = true;

/** Every 100 ms: does each replica's store hold the probes' messages yet (read-only, as its server reads it)? */
async function askStores() {
  const held = node.map((r) => ({
    name: r.name,
    db: new StoreSamples(r.dir),
  }));
  while (settling) {
    for (const p of probes)
      for (const h of held) if (p.stored[h.name] === undefined && h.db.holds(p.mid)) p.stored[h.name] = at();
    await sleep(100);
  }
  for (const h of held) h.db.close();
}

/**
 * Every 250 ms, a request to each replica for each probe it has not answered 200 yet, without
 * waiting for the ones in flight (a saturated server answers seconds later), at most 4 at once for
 * a probe and replica: the first 200 counts.
 */
async function askServers() {
  const inFlight = new Map();
  while (settling) {
    for (const p of probes)
      for (const r of node) {
        const key = `${p.batch} ${r.name}`;
        if (p.seen[r.name] !== undefined || (inFlight.get(key)?.size ?? 0) >= 4) continue;
        const asked = at();
        const url = `http://127.0.0.1:${r.port}/${soak.inbox}/${midEscape(p.mid)}/raw`;
        const req = get(url, 30_000, { gzip: false }).then((res) => {
          if (res.status === 200) p.seen[r.name] ??= { asked, answered: at() };
          inFlight.get(key).delete(req);
        });
        inFlight.set(key, (inFlight.get(key) ?? new Set()).add(req));
      }
    await sleep(250);
  }
  await Promise.all([...inFlight.values()].flatMap((set) => [...set]));
}

async function watchBalancer() {
  let last;
  while (settling) {
    const st = await haproxyStats();
    const now = st?.[`replicas/${node[1].name}`]?.status;
    if (now !== undefined && now !== last) transitions.push({ t: at(), status: now });
    last = now ?? last;
    await sleep(250);
  }
}

async function killAndRestart() {
  const victim = node[1];
  await sleep(KILL_AT * 1000 - (Date.now() - loadStart));
  killTree(victim.server.child.pid);
  victim.follower.kill();
  events.killed = at();
  log(`${PROG}: ${events.killed.toFixed(1)} s: ${victim.name} killed (SIGKILL: its server and its follower)`);
  await sleep(RESTART_AT * 1000 - (Date.now() - loadStart));
  events.restarted = at();
  victim.follower = follow(victim.dir, writerUrl, join(work, `${victim.name}.follow.log`), WATCH, ranOn(victim.runs));
  victim.server = await serve(victim.name, victim.dir, victim.port);
  events.serving = at();
  log(
    `${PROG}: ${events.restarted.toFixed(1)} s: ${victim.name} started again, serving at ${events.serving.toFixed(1)} s`,
  );
}

log(
  `${PROG}: load: wrk -t${cli.threads} -c${cli.connections} -d${cli.duration}s through HAProxy over ${mix.length} URLs, ` +
    `${split.fresh.length} new messages on the writer in ingests of ${soak.batch} or more; ` +
    `${node[1].name} killed at ${KILL_AT} s, started again at ${RESTART_AT} s ...`,
);
// the writer's ingest as deployed: one spool watcher at the unit's niceness, its mail delivered as it is due
const writerIngest = spoolIngest(writerDir, soak.inbox, join(work, 'spool'), {
  args: ['--jobs', String(soak.jobs)],
  nice: INGEST_NICE,
});
cleanups.push(() => writerIngest.stop());
const load0 = loadavg()[0];
const cpu0 = machineTicks();
loadStart = Date.now();
const feeder = feedMail({
  split,
  work,
  start: loadStart,
  durationMs: cli.duration * 1000,
  batch: soak.batch,
  stopped: () => loadOver,
  ingestRun: (file) => writerIngest.run(file),
  onRun: (entry) => {
    const last = probeMid.slice(entry.first, entry.first + entry.messages).findLast((m) => m !== undefined);
    if (!entry.error && last !== undefined)
      probes.push({ batch: entry.batch, mid: last, ingested: entry.end, stored: {}, seen: {} });
  },
});
const asking = Promise.all([askStores(), askServers()]);
const watching = watchBalancer();
const chaos = killAndRestart();
const result = await runWrk(origin, script, cli);
loadOver = true;
const feed = await feeder;
await chaos;
const cpu1 = machineTicks();
const load1 = loadavg()[0];

// after the load: every probe seen on every replica, and the replicas' stores equal to the writer's
const settleStart = Date.now();
while (
  probes.some((p) => node.some((r) => p.seen[r.name] === undefined || p.stored[r.name] === undefined)) &&
  Date.now() - settleStart < SETTLE_MS
)
  await sleep(200);
const writerDigest = await digest(writerDir);
let equalAt;
const digests = {};
while (Date.now() - settleStart < SETTLE_MS) {
  for (const r of node) digests[r.name] = await digest(r.dir);
  if (node.every((r) => digests[r.name] === writerDigest)) {
    equalAt = at();
    break;
  }
  await sleep(1000);
}
settling = false;
await asking;
await watching;
const statsAfter = await haproxyStats();
const haproxyLog = readFileSync(join(work, 'haproxy.log'), 'utf8').split('\n');
/** HAProxy's log of the answers that went wrong (5xx: its own, or a server's), with its termination state. */
const badAnswers = haproxyLog.filter((l) => /" 5\d\d |\/\d+ 5\d\d \d+ /.test(l));
/**
 * The requests HAProxy replayed (its log has every one: they are not "normal"), by kind, each with
 * the status the client got in the end: searches (a replica refuses them with 503 when its searches
 * are over their share of its time; or the kill) and the rest (nothing else in the mix is refused
 * for load: a connection refused or closed without an answer, the killed replica's). httplog: ...
 * TR/Tw/Tc/Tr/Ta status bytes - - state actconn/feconn/beconn/srv_conn/retries (+ when redispatched)
 * srv_queue/backend_queue "request".
 */
const replayed = { search: {}, other: {} };
for (const l of haproxyLog) {
  const m = / (\d{3}) \d+ \S+ \S+ \S+ \d+\/\d+\/\d+\/\d+\/\+?(\d+) \d+\/\d+ "\S+ (\S+)/.exec(l);
  if (!m || m[2] === '0') continue;
  const kind = /[?&]q=/.test(m[3]) ? replayed.search : replayed.other;
  kind[m[1]] = (kind[m[1]] ?? 0) + 1;
}

// ---------------------------------------------------------------------------------------------
// 4. report

const statuses = result.failed ? {} : statusFigures(result);
const delta = (key, field) => Number(statsAfter?.[key]?.[field] || 0) - Number(statsBefore?.[key]?.[field] || 0);
const balancer = {
  frontend5xx: delta('lore/FRONTEND', 'hrsp_5xx'),
  frontendRequestErrors: delta('lore/FRONTEND', 'ereq'),
  backend5xx: delta('replicas/BACKEND', 'hrsp_5xx'),
  connectionErrors: delta('replicas/BACKEND', 'econ'),
  responseErrors: delta('replicas/BACKEND', 'eresp'),
  retries: delta('replicas/BACKEND', 'wretr'),
  redispatches: delta('replicas/BACKEND', 'wredis'),
  answeredBy: Object.fromEntries(
    [...node.map((r) => r.name), 'writer'].map((n) => [n, delta(`replicas/${n}`, 'stot')]),
  ),
};
// (HAProxy says UP, "UP 1/2" going down, DOWN, "DOWN 1/2" coming back)
const down = transitions.find((x) => x.t >= events.killed && /^DOWN/.test(x.status));
const up = down && transitions.find((x) => x.t > down.t && /^UP/.test(x.status));

/** When a probe showed on a replica: in its store, or answered 200 by its server. */
const when = {
  stored: (p, name) => p.stored[name] ?? Infinity,
  answered: (p, name) => p.seen[name]?.answered ?? Infinity,
};
/** Seconds from the end of each ingest (of those `keep` takes) to when it showed, sorted. */
const lagOf = (name, keep, how) =>
  probes
    .filter(keep)
    .map((p) => when[how](p, name) - p.ingested)
    .sort((a, b) => a - b);
const pct = (xs, q) => (xs.length ? xs[Math.min(xs.length - 1, Math.floor(q * xs.length))] : undefined);
const victim = node[1].name;
/** Mail the killed replica's store did not hold when it was killed, ingested before it served again. */
const missed = (p) => p.ingested < events.serving && !(p.stored[victim] <= events.killed);
const lags = {};
for (const how of ['stored', 'answered']) {
  lags[`${node[0].name}, ${how}`] = lagOf(node[0].name, () => true, how);
  lags[`${victim} while running, ${how}`] = lagOf(victim, (p) => !missed(p), how);
}
const answeredLags = Object.entries(lags).filter(([n]) => n.endsWith('answered'));
/** After its restart, how long the killed replica took to show what it had missed. */
const caughtUp = (how) => {
  const xs = probes.filter(missed).map((p) => when[how](p, victim) - Math.max(p.ingested, events.restarted));
  return xs.length ? Math.max(...xs) : undefined;
};
const fmtS = (s) => (s === undefined ? '-' : s === Infinity ? 'never' : `${s.toFixed(1)} s`);
const errorsAtBalancer = result.failed ? undefined : result.errors + balancer.frontend5xx;
const busy = (() => {
  const total = cpu1.total - cpu0.total;
  return total > 0 ? (cpu1.busy - cpu0.busy) / total : 0;
})();

const targets = [
  ['wrk ran', !result.failed, result.failed ?? ''],
  [
    'zero errors at the balancer',
    errorsAtBalancer === 0,
    result.failed
      ? ''
      : `wrk: ${result.non2xx3xx} non-2xx/3xx, socket errors ${JSON.stringify(result.socketErrors)}; HAProxy: ${balancer.frontend5xx} 5xx answered`,
  ],
  [
    `lag <= ${LAG_TARGET} s on every replica while it runs (to the first 200)`,
    answeredLags.every(([, xs]) => xs.length && xs[xs.length - 1] <= LAG_TARGET),
    answeredLags.map(([n, xs]) => `${n}: max ${fmtS(xs[xs.length - 1])} over ${xs.length} ingests`).join('; '),
  ],
  [
    'the killed replica shows what it missed after its restart',
    caughtUp('answered') === undefined || Number.isFinite(caughtUp('answered')),
    `its store within ${fmtS(caughtUp('stored'))} of its restart, its server within ${fmtS(caughtUp('answered'))}`,
  ],
  [
    "every replica's store equals the writer's",
    equalAt !== undefined,
    equalAt === undefined ? JSON.stringify({ writer: writerDigest, ...digests }) : `at ${fmtS(equalAt)}`,
  ],
];

console.log('');
console.log(
  `lorekeeper soak:cluster: inbox "${soak.inbox}", ${baseMessages} messages + ${split.fresh.length} arriving on the writer; ` +
    `2 replicas (lorekeeper mirror --watch ${WATCH} at nice ${FOLLOW_NICE}) behind HAProxy; ${WORKERS ?? 'one per core'} worker(s) per server at nice ${SERVE_NICE}, ` +
    `the writer with ${JSON.stringify(WRITER_ENV)}, its ingests at nice ${INGEST_NICE}; ` +
    `wrk -t${cli.threads} -c${cli.connections} -d${cli.duration}s --timeout ${cli.timeout}s over ${mix.length} URLs; ${cpus().length} CPUs; ${soak.started.toISOString()}`,
);
console.log(
  `machine        load average ${load0.toFixed(1)} before, ${load1.toFixed(1)} after; the CPUs ${(busy * 100).toFixed(0)}% busy during the load (everything, this cluster included)`,
);
console.log('');
if (!result.failed) for (const line of wrkLines(result, statuses)) console.log(line);
else console.log(`wrk failed: ${result.failed}`);
console.log(
  `HAProxy        5xx answered ${balancer.frontend5xx}, bad requests ${balancer.frontendRequestErrors}; to the replicas: ` +
    `failed connections ${balancer.connectionErrors}, failed answers ${balancer.responseErrors}, retries ${balancer.retries}, ` +
    `redispatches ${balancer.redispatches}; answered by ${Object.entries(balancer.answeredBy)
      .map(([n, c]) => `${n} ${c.toLocaleString('en-US')}`)
      .join(', ')}`,
);
/** `N (status N, ...)` of one kind of replayed request. */
const replays = (byStatus) =>
  `${Object.values(byStatus).reduce((a, n) => a + n, 0)} (${
    Object.entries(byStatus)
      .map(([st, n]) => `${st}: ${n}`)
      .join(', ') || 'none'
  })`;
console.log(
  `               requests replayed, as answered in the end: searches ${replays(replayed.search)}, others ${replays(replayed.other)}`,
);
for (const l of badAnswers.slice(0, 5)) console.log(`  ${l}`);
console.log(
  `the kill       ${victim} killed at ${fmtS(events.killed)}, HAProxy took it out at ${fmtS(down?.t)} (${down?.status ?? '-'}); ` +
    `started again at ${fmtS(events.restarted)}, serving at ${fmtS(events.serving)}, back in HAProxy at ${fmtS(up?.t)}`,
);
const runMs = feed.map((f) => (f.end - f.start) * 1000);
console.log(
  `new mail       ${feed.reduce((a, f) => a + (f.added ?? 0), 0)} messages added on the writer in ${feed.length} ingests ` +
    `(${Math.min(...feed.map((f) => f.messages))} .. ${Math.max(...feed.map((f) => f.messages))} messages, ` +
    `${fmtMs(Math.min(...runMs))} .. ${fmtMs(Math.max(...runMs))}), ${feed.filter((f) => f.error).length} failed`,
);
for (const r of node) {
  const runs = r.runs.filter((x) => x.t >= 0 && x.read > 0);
  console.log(
    `${r.name.padEnd(15)}${runs.length} runs took mail during the load and after (${runs.map((x) => x.read).join(', ')} messages), ` +
      `their ingests ${runs.map((x) => x.seconds.toFixed(1)).join(', ')} s, ending at ${runs.map((x) => x.t.toFixed(1)).join(', ')} s`,
  );
}
console.log(
  "lag            from the end of an ingest on the writer to its last new message in the replica's store, and to the replica's first 200 for it:",
);
printTable([
  ['replica', 'ingests', 'p50', 'p90', 'max'],
  ...Object.entries(lags).map(([n, xs]) => [
    n,
    xs.length,
    fmtS(pct(xs, 0.5)),
    fmtS(pct(xs, 0.9)),
    fmtS(xs[xs.length - 1]),
  ]),
]);
console.log(
  `               ${probes.filter(missed).length} ingests while ${victim} was down (or just before): in its store within ` +
    `${fmtS(caughtUp('stored'))} of its restart, answered within ${fmtS(caughtUp('answered'))}`,
);
await finishSoak(
  targets,
  {
    date: soak.started.toISOString(),
    machine: { cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version, load: [load0, load1], busy },
    params: { duration: cli.duration, connections: cli.connections, threads: cli.threads, timeout: cli.timeout },
    cluster: {
      new: soak.new,
      batch: soak.batch,
      watch: WATCH,
      workers: WORKERS,
      killAt: KILL_AT,
      restartAt: RESTART_AT,
    },
    messages: { base: baseMessages, new: split.fresh.length },
    mix: Object.fromEntries(Object.entries(kinds).map(([k, v]) => [k, v.length])),
    wrk: { ...result, output: undefined, statuses },
    balancer: { ...balancer, badAnswers, replayed },
    events: { ...events, transitions },
    feed,
    probes,
    runs: Object.fromEntries(node.map((r) => [r.name, r.runs])),
    lags,
    caughtUp: { stored: caughtUp('stored'), answered: caughtUp('answered') },
    digests: { writer: writerDigest, ...digests, equalAt },
  },
  opt.json,
  soak.cleanup,
);
