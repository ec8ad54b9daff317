// `lorekeeper ingest` of public-inbox git archives on disk: epochs written as public-inbox writes
// them (git fast-import, one commit per message), taken incrementally, removals and all, and
// refused with a clear error when they are damaged, not an inbox, or rewritten.
import { describe, it, expect } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, rmSync, truncateSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fixture, tempDir } from '../helpers/paths.js';
import { readMbox, tempMbox } from '../helpers/mbox.js';
import { jsonSummary, runCliHere } from '../helpers/cli.js';
import { digestOf, openReader } from '../helpers/store.js';
import { buildRepo, firstMid, type EpochOp } from '../helpers/public-inbox.js';
import { have } from '../helpers/programs.js';

const vfio = readMbox(fixture('vfio-vsva-v7.thread.mbox'));
const virtio = readMbox(fixture('virtio-ring-cleanup-v2.thread.mbox'));
const adds = (msgs: Buffer[]): EpochOp[] => msgs.map((add) => ({ add }));

// (the messages parsed in the command's own thread: these tests are about histories, and starting a
// pool of parsers costs a small ingest half of its CPU)
const ingest = (data: string, ...args: string[]) =>
  runCliHere(['ingest', '--data', data, '--inbox', 'l', '--jobs', '0', ...args]);
const digest = digestOf;
const mids = (data: string) => {
  const { db } = openReader(data);
  const out = db.prepare('SELECT mid FROM msg WHERE num > 0 ORDER BY mid').pluck().all();
  db.close();
  return out;
};

describe.skipIf(!have('git'))('lorekeeper ingest of a public-inbox archive', () => {
  it('takes a v2 inbox in commit order, epoch after epoch, to the store an mbox of the same mail makes', async () => {
    const inbox = tempDir();
    buildRepo(join(inbox, 'git', '0.git'), adds(vfio), 2);
    buildRepo(join(inbox, 'git', '1.git'), adds(virtio), 2);
    const data = tempDir();
    expect(jsonSummary(await ingest(data, '--json', inbox))).toMatchObject({ read: 107, added: 107, removed: 0 });
    const mbox = tempDir();
    jsonSummary(await ingest(mbox, '--json', tempMbox([...vfio, ...virtio])));
    const { db } = openReader(data);
    expect(db.prepare('SELECT epoch FROM epoch ORDER BY epoch').pluck().all()).toEqual([0, 1]);
    const order = db.prepare('SELECT mid FROM msg WHERE num > 0 ORDER BY num').pluck().all();
    db.close();
    const { db: other } = openReader(mbox);
    expect(order).toEqual(other.prepare('SELECT mid FROM msg WHERE num > 0 ORDER BY num').pluck().all());
    other.close();
  });

  it('takes only the commits after the last one taken, and a new epoch when it appears', async () => {
    const inbox = tempDir();
    const data = tempDir();
    buildRepo(join(inbox, 'git', '0.git'), adds(vfio.slice(0, 50)), 2);
    expect(jsonSummary(await ingest(data, '--json', inbox)).read).toBe(50);
    // the same history grown by 34 commits (fast-import writes the same first 50 again)
    buildRepo(join(inbox, 'git', '0.git'), adds(vfio), 2);
    expect(jsonSummary(await ingest(data, '--json', inbox))).toMatchObject({ read: 34, added: 34, duplicates: 0 });
    expect(jsonSummary(await ingest(data, '--json', inbox)).read).toBe(0);
    buildRepo(join(inbox, 'git', '1.git'), adds(virtio), 2);
    expect(jsonSummary(await ingest(data, '--json', inbox))).toMatchObject({ read: 23, added: 23 });

    const fresh = tempDir();
    jsonSummary(await ingest(fresh, '--json', inbox));
    expect(digest(data)).toBe(digest(fresh));
  });

  it('reads a lone epoch repository and a v1 inbox', async () => {
    const lone = join(tempDir(), '3.git');
    buildRepo(lone, adds(virtio), 2);
    const data = tempDir();
    expect(jsonSummary(await ingest(data, '--json', lone)).added).toBe(23);
    const { db } = openReader(data);
    expect(db.prepare('SELECT epoch FROM epoch').pluck().all()).toEqual([3]);
    db.close();

    const v1 = join(tempDir(), 'v1.git');
    buildRepo(v1, [...adds(virtio), { remove: 5 }], 1);
    expect(jsonSummary(await ingest(tempDir(), '--json', v1))).toMatchObject({ read: 23, added: 23, removed: 1 });
  });

  it('removes what a later commit removes: from pages, and from the store when a kept history grows', async () => {
    const inbox = tempDir();
    const data = tempDir();
    buildRepo(join(inbox, 'git', '0.git'), adds(virtio), 2);
    jsonSummary(await ingest(data, '--json', inbox));
    // public-inbox-learn rm of the cover letter: a commit writing it to d and deleting m
    buildRepo(join(inbox, 'git', '0.git'), [...adds(virtio), { remove: 6 }], 2);
    expect(jsonSummary(await ingest(data, '--json', inbox))).toMatchObject({ read: 0, removed: 1 });
    expect(mids(data)).not.toContain(firstMid(virtio[6]));
    expect(mids(data)).toHaveLength(22);
    const fresh = tempDir();
    expect(jsonSummary(await ingest(fresh, '--json', inbox))).toMatchObject({ read: 23, added: 23, removed: 1 });
    expect(digest(data)).toBe(digest(fresh));
  });

  it('refuses a rewritten history with a clear error and changes nothing; --resync takes the new one', async () => {
    const inbox = tempDir();
    const data = tempDir();
    buildRepo(join(inbox, 'git', '0.git'), adds(virtio), 2);
    jsonSummary(await ingest(data, '--json', inbox));
    const before = digest(data);
    // a force-push: message 10 dropped from the middle of the history
    buildRepo(join(inbox, 'git', '0.git'), adds([...virtio.slice(0, 10), ...virtio.slice(11)]), 2);
    const r = await ingest(data, '--json', inbox);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('the history was rewritten upstream');
    expect(r.stderr).toContain('--resync');
    expect(digest(data)).toBe(before);

    expect(jsonSummary(await ingest(data, '--json', '--resync', inbox))).toMatchObject({ removed: 1, added: 0 });
    const fresh = tempDir();
    jsonSummary(await ingest(fresh, '--json', inbox));
    expect(mids(data)).toEqual(mids(fresh));
    expect(jsonSummary(await ingest(data, '--json', inbox)).read).toBe(0);
  });

  it('refuses a damaged repository and one that is not an inbox, before writing anything', async () => {
    // 23 messages are few enough for fast-import to leave them loose, an object per file
    const damaged = tempDir();
    const epoch = join(damaged, 'git', '0.git');
    buildRepo(epoch, adds(virtio), 2);
    const object = (rev: string) => {
      const oid = execFileSync('git', ['--git-dir', epoch, 'rev-parse', rev]).toString().trim();
      return join(epoch, 'objects', oid.slice(0, 2), oid.slice(2));
    };
    const blob = object('HEAD~10:m');
    truncateSync(blob, Math.floor(statSync(blob).size / 2));
    const data = join(tempDir(), 'data');
    const r = await ingest(data, damaged);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^lorekeeper: git cat-file failed in .*git\/0\.git: /);
    expect(mids(data)).toEqual([]);

    rmSync(object('HEAD'));
    const later = join(tempDir(), 'data');
    const h = await ingest(later, damaged);
    expect(h.status).toBe(1);
    expect(h.stderr).toMatch(
      /^lorekeeper: cannot read .*git\/0\.git: refs\/heads\/master names no commit git can read/,
    );
    expect(existsSync(later)).toBe(false);

    const project = join(tempDir(), 'project.git');
    execFileSync('git', ['init', '-q', '--bare', project]);
    const tree = execFileSync('git', ['--git-dir', project, 'mktree'], {
      input: `100644 blob ${execFileSync('git', ['--git-dir', project, 'hash-object', '-w', '--stdin'], { input: 'hi\n' }).toString().trim()}\tREADME\n`,
    })
      .toString()
      .trim();
    const commit = execFileSync('git', ['--git-dir', project, 'commit-tree', tree, '-m', 'x']).toString().trim();
    execFileSync('git', ['--git-dir', project, 'update-ref', 'refs/heads/master', commit]);
    const n = await ingest(later, project);
    expect(n.status).toBe(1);
    expect(n.stderr).toContain(`${project} is not a public-inbox archive: its newest commit holds README`);
    expect(existsSync(later)).toBe(false);
  });
});
