// The epochs an inbox gets for mail ingested here: one public-inbox commit per stored message, in
// article order, the same commits from the same mail however it was ingested, rolling at a size,
// put right after a run killed between git and the store, and never mixed with another archive's.
import { describe, it, expect } from 'vitest';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixture, tempDir } from '../helpers/paths.js';
import { readMbox, tempMbox } from '../helpers/mbox.js';
import { jsonSummary, runCliHere } from '../helpers/cli.js';
import { digestOf } from '../helpers/store.js';
import { have } from '../helpers/programs.js';
import { buildRepo } from '../helpers/public-inbox.js';
import { commitsOf, epochsOf, gitOut, inboxCommits, recordedTips, storedRaws } from '../helpers/epochs.js';

const vfio = readMbox(fixture('vfio-vsva-v7.thread.mbox'));
const ingest = async (data: string, inbox: string, ...args: string[]) =>
  jsonSummary(await runCliHere(['ingest', '--data', data, '--inbox', inbox, '--json', '--jobs', '0', ...args]));
const digest = digestOf;

describe.skipIf(!have('git'))('the epochs of mail ingested here', () => {
  it('hold every stored message, in article order, as public-inbox commits them', async () => {
    const data = tempDir();
    const junk = join(tempDir(), 'junk.eml');
    writeFileSync(junk, 'this is not an email at all\nno headers here\n');
    const empty = join(tempDir(), 'empty.eml');
    writeFileSync(empty, '');
    // the vsock replies, a copy of one of them (a duplicate: not stored), a quarantined message
    const vsock = fixture('vsock-multicid.thread.mbox');
    const s = await ingest(data, 'v', vsock, fixture('virtio-ring-cleanup-v2.thread.mbox'), vsock, junk, empty);
    expect(s).toMatchObject({ read: 39, added: 30, duplicates: 7, quarantined: 2 });
    const commits = inboxCommits(data, 'v');
    const stored = storedRaws(data, 'v');
    // the empty message has no bytes to keep; the other one is kept, and committed
    expect(stored).toHaveLength(31);
    expect(commits.map((c) => c.raw)).toEqual(stored);
    expect(commits.at(-1)?.raw.toString()).toBe('this is not an email at all\nno headers here\n');
    expect(recordedTips(data, 'v')).toEqual({ 0: commits.at(-1)?.commit });
    expect(gitOut(epochsOf(data, 'v')[0].gitDir, 'rev-parse', 'HEAD').trim()).toBe(commits.at(-1)?.commit);
    // author from From, date from Date, committer date from the first Received, subject as message
    const patch2 = commits.find((c) => c.raw.includes('Message-ID: <20230315185458.11638-3-feliu@nvidia.com>'));
    expect(patch2).toMatchObject({
      author: 'Feng Liu via Virtualization <virtualization@lists.linux-foundation.org> 1678906497',
      committer: 'Feng Liu via Virtualization <virtualization@lists.linux-foundation.org> 1678906525',
      subject: '[PATCH v2 2/3] virtio_ring: Avoid using inline for small functions',
    });
    expect(commits.at(-1)).toMatchObject({ author: 'unknown <> 0', subject: '(no subject)' });
    // git itself finds nothing wrong with them
    execFileSync('git', ['--git-dir', epochsOf(data, 'v')[0].gitDir, 'fsck', '--strict', '--no-progress']);
  });

  it('are the same commits for the same mail, in one run, in several, or written later from the store', async () => {
    const [one, several, later] = [tempDir(), tempDir(), tempDir()];
    await ingest(one, 'iommu', fixture('vfio-vsva-v7.thread.mbox'));
    for (const part of [vfio.slice(0, 10), vfio.slice(10, 11), vfio.slice(11)])
      await ingest(several, 'iommu', tempMbox(part));
    await ingest(later, 'iommu', '--no-epochs', tempMbox(vfio.slice(0, 40)));
    expect(existsSync(join(later, 'inboxes'))).toBe(false);
    // the next ingest commits what the store holds beyond the epochs first
    await ingest(later, 'iommu', tempMbox(vfio.slice(40)));
    const tip = recordedTips(one, 'iommu');
    expect(recordedTips(several, 'iommu')).toEqual(tip);
    expect(recordedTips(later, 'iommu')).toEqual(tip);
    expect(digest(several)).toBe(digest(one));
    expect(digest(later)).toBe(digest(one));
  });

  it('roll to a new epoch once one holds --epoch-size bytes, as public-inbox rolls at its threshold', async () => {
    const data = tempDir();
    await ingest(data, 'iommu', '--epoch-size', '100k', tempMbox(vfio.slice(0, 30)));
    await ingest(data, 'iommu', '--epoch-size', '100k', tempMbox(vfio.slice(30)));
    const epochs = epochsOf(data, 'iommu');
    expect(epochs.length).toBeGreaterThan(3);
    const raws = storedRaws(data, 'iommu');
    let at = 0;
    for (const e of epochs) {
      const held = commitsOf(e.gitDir, e.n).map((c) => c.raw);
      // the epoch's messages come next in article order; a new epoch begins only past the size
      expect(held).toEqual(raws.slice(at, at + held.length));
      const bytes = held.reduce((n, r) => n + r.length, 0);
      if (e !== epochs.at(-1)) expect(bytes - (held.at(-1)?.length ?? 0)).toBeLessThan(100 * 1024);
      if (e !== epochs.at(-1)) expect(bytes).toBeGreaterThanOrEqual(100 * 1024);
      at += held.length;
    }
    expect(at).toBe(raws.length);
    expect(Object.keys(recordedTips(data, 'iommu')).map(Number)).toEqual(epochs.map((e) => e.n));
  });

  it('are put back where the store says when a killed run moved a branch the store never recorded', async () => {
    const data = tempDir();
    await ingest(data, 'iommu', '--epoch-size', '100k', tempMbox(vfio.slice(0, 20)));
    const [first, ...others] = epochsOf(data, 'iommu');
    expect(others.length).toBeGreaterThan(0);
    // what a run killed after git's checkpoint and before its store committed leaves: a commit on
    // the branch the store does not know, and an epoch begun beyond the newest it records
    const last = epochsOf(data, 'iommu').at(-1)!;
    const stray = gitOut(last.gitDir, 'commit-tree', '-p', 'master', '-m', 'stray', 'master^{tree}').trim();
    gitOut(last.gitDir, 'update-ref', 'refs/heads/master', stray);
    const beyond = join(data, 'inboxes', 'iommu', 'git', `${last.n + 1}.git`);
    buildRepo(beyond, [{ add: vfio[70] }], 2);
    await ingest(data, 'iommu', '--epoch-size', '100k', tempMbox(vfio.slice(20, 22)));
    expect(inboxCommits(data, 'iommu').map((c) => c.raw)).toEqual(storedRaws(data, 'iommu'));
    expect(gitOut(last.gitDir, 'rev-list', 'master')).not.toContain(stray);
    expect(first.n).toBe(0);
    const fresh = tempDir();
    await ingest(fresh, 'iommu', '--epoch-size', '100k', tempMbox(vfio.slice(0, 22)));
    expect(recordedTips(data, 'iommu')).toEqual(recordedTips(fresh, 'iommu'));
  });

  it('are packed by git gc --auto once small runs have left as many loose objects as git packs at', async () => {
    const data = tempDir();
    await ingest(data, 'iommu', tempMbox(vfio.slice(0, 40)));
    await ingest(data, 'iommu', tempMbox(vfio.slice(40, 41)));
    const [{ gitDir }] = epochsOf(data, 'iommu');
    // a run of fewer than 100 objects leaves them loose (fast-import's unpackLimit); not yet for gc
    const loose = () => Number(/^count: (\d+)$/m.exec(gitOut(gitDir, 'count-objects', '-v'))![1]);
    expect(loose()).toBe(3);
    // loose objects past the sample git's gc --auto counts (objects/17: more than 27): blobs whose
    // ids begin with 17, as many small runs would leave in the end
    const seventeen: string[] = [];
    for (let i = 0; seventeen.length < 30; i++) {
      const data = `filler ${i}\n`;
      if (createHash('sha1').update(`blob ${data.length}\0${data}`).digest('hex').startsWith('17'))
        seventeen.push(data);
    }
    const files = seventeen.map((d, i) => {
      const f = join(tempDir(), `f${i}`);
      writeFileSync(f, d);
      return f;
    });
    execFileSync('git', ['--git-dir', gitDir, 'hash-object', '-w', '--stdin-paths'], { input: files.join('\n') });
    expect(loose()).toBe(33);
    await ingest(data, 'iommu', tempMbox(vfio.slice(41, 42)));
    // the run's 3 objects and the 3 before them packed; the fillers, which no commit reaches, kept
    // loose for gc's two weeks of grace (without gc: 36)
    expect(loose()).toBe(30);
    expect(inboxCommits(data, 'iommu').map((c) => c.raw)).toEqual(storedRaws(data, 'iommu'));
  });

  it('never mix with another archive: mail and a public-inbox archive go to inboxes of their own', async () => {
    const data = tempDir();
    await ingest(data, 'mail', tempMbox(vfio.slice(0, 3)));
    const archive = tempDir();
    buildRepo(join(archive, 'git', '0.git'), [{ add: vfio[5] }], 2);
    const intoMail = await runCliHere(['ingest', '--data', data, '--inbox', 'mail', archive]);
    expect(intoMail.status).toBe(1);
    expect(intoMail.stderr).toContain('inbox mail has epochs of its own (mail ingested here)');
    // an archive ingested from disk is copied where the data directory serves epochs from
    await ingest(data, 'archive', archive);
    expect(commitsOf(join(data, 'inboxes', 'archive', 'git', '0.git'))[0].raw).toEqual(vfio[5]);
    const intoArchive = await runCliHere(['ingest', '--data', data, '--inbox', 'archive', tempMbox(vfio.slice(6, 7))]);
    expect(intoArchive.status).toBe(1);
    expect(intoArchive.stderr).toContain("inbox archive holds a copy of a public-inbox archive's history");
    const both = await runCliHere(['ingest', '--data', data, '--inbox', 'new', archive, tempMbox(vfio.slice(6, 7))]);
    expect(both.stderr).toContain('cannot be ingested into one inbox together');
  });
});
