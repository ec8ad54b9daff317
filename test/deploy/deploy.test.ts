// deploy/: the HAProxy configuration HAProxy itself accepts, systemd units systemd-analyze verifies
// without a word, and lorekeeper-spool, the writer's ingest of a mail server's Maildir spool, run for
// real: mail taken in arrival order, out of the spool once stored, and a run killed halfway
// losing and doubling nothing (the store then equals one ingest of the same mail).
import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, ROOT, fixture, tempDir } from '../helpers/paths.js';
import { jsonSummary, runCli } from '../helpers/cli.js';
import { have } from '../helpers/programs.js';
import { readMbox, tempMbox } from '../helpers/mbox.js';
import { digestOf } from '../helpers/store.js';

const DEPLOY = join(ROOT, 'deploy');
const SPOOL_SCRIPT = join(DEPLOY, 'lorekeeper-spool');
const digest = digestOf;

describe.skipIf(!have('haproxy') && !have('/usr/sbin/haproxy'))('deploy/haproxy.cfg', () => {
  it('is a configuration HAProxy accepts', () => {
    const bin = have('haproxy') ? 'haproxy' : '/usr/sbin/haproxy';
    const r = spawnSync(bin, ['-c', '-f', join(DEPLOY, 'haproxy.cfg')]);
    expect(r.status, r.stderr.toString()).toBe(0);
  });
});

describe.skipIf(!have('systemd-analyze'))('deploy/systemd', () => {
  it('units systemd-analyze verifies without a warning', () => {
    // verify wants the programs the units run: this clone's, in copies of the units (drop-ins too)
    const dir = tempDir();
    const files = readdirSync(join(DEPLOY, 'systemd'), { recursive: true, encoding: 'utf8' });
    for (const f of files) {
      const from = join(DEPLOY, 'systemd', f);
      if (statSync(from).isDirectory()) mkdirSync(join(dir, f));
      else
        writeFileSync(
          join(dir, f),
          readFileSync(from, 'utf8')
            .replaceAll('/usr/local/bin/lorekeeper', CLI)
            .replaceAll('/usr/local/lib/lorekeeper/lorekeeper-spool', SPOOL_SCRIPT),
        );
    }
    const units = files.filter((f) => /\.(service|path)$/.test(f));
    expect(units).toHaveLength(4);
    const r = spawnSync('systemd-analyze', ['verify', ...units.map((u) => u.replace('@.', '@virtualization.'))], {
      cwd: dir,
    });
    expect(r.stderr.toString()).toBe('');
    expect(r.status).toBe(0);
  });
});

describe.skipIf(!have('git'))('deploy/lorekeeper-spool', () => {
  // `lorekeeper` on the PATH, as the unit has it
  const bin = tempDir();
  symlinkSync(CLI, join(bin, 'lorekeeper'));
  const env = { ...process.env, PATH: `${bin}:${process.env.PATH}` };
  const spoolRun = (data: string, spool: string) => {
    const r = spawnSync(SPOOL_SCRIPT, [data, 'virtualization', spool], { env });
    expect(r.status, r.stderr.toString()).toBe(0);
    return r.stdout.toString().trim();
  };
  /** A message as a mail server delivers it into new/, named so that names sort in arrival order. */
  const deliver = (spool: string, i: number, raw: Buffer) =>
    writeFileSync(join(spool, 'new', `17000000${String(i).padStart(2, '0')}.M${i}P1.mx`), raw);
  const THREAD = fixture('virtio-ring-cleanup-v2.thread.mbox');
  const messages = readMbox(THREAD);
  /** A new data directory, and a spool into which the thread's messages were delivered. */
  const delivered = () => {
    const spool = join(tempDir(), 'virtualization');
    mkdirSync(join(spool, 'new'), { recursive: true });
    messages.forEach((m, i) => deliver(spool, i, m));
    return { data: tempDir(), spool };
  };
  /** The digest of the same mail in one mbox, ingested at once. */
  const ingestedAtOnce = () => {
    const once = tempDir();
    jsonSummary(runCli(['ingest', '--data', once, '--inbox', 'virtualization', '--json', '--jobs', '0', THREAD]));
    return digest(once);
  };

  it('ingests the spool in arrival order, empties it, and then has nothing to do', () => {
    const { data, spool } = delivered();
    expect(JSON.parse(spoolRun(data, spool))).toMatchObject({ read: messages.length, added: messages.length });
    expect(readdirSync(join(spool, 'new'))).toEqual([]);
    expect(readdirSync(join(spool, '.taking', 'new'))).toEqual([]);
    expect(spoolRun(data, spool)).toBe('');
    // the same mail in one mbox, ingested at once: the same store
    expect(digest(data)).toBe(ingestedAtOnce());
  });

  it('after a run killed halfway, takes that run’s mail first, loses and doubles nothing', () => {
    const { data, spool } = delivered();
    // a run took the first half out of new/, stored some of it, and was killed
    const half = Math.floor(messages.length / 2);
    const taking = join(spool, '.taking');
    for (const d of ['new', 'cur', 'tmp']) mkdirSync(join(taking, d), { recursive: true });
    for (const f of readdirSync(join(spool, 'new')).sort().slice(0, half))
      renameSync(join(spool, 'new', f), join(taking, 'new', f));
    jsonSummary(
      runCli([
        ...['ingest', '--data', data, '--inbox', 'virtualization', '--json', '--jobs', '0'],
        tempMbox(messages.slice(0, 3)),
      ]),
    );
    // the next run takes the killed run's mail only, and what was stored counts as duplicates
    expect(JSON.parse(spoolRun(data, spool))).toMatchObject({ read: half, added: half - 3, duplicates: 3 });
    expect(readdirSync(join(spool, 'new'))).toHaveLength(messages.length - half);
    expect(JSON.parse(spoolRun(data, spool))).toMatchObject({ added: messages.length - half });
    expect(digest(data)).toBe(ingestedAtOnce());
  });
});
