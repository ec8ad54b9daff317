import { describe, it, expect } from 'vitest';
import { existsSync, mkdirSync, readFileSync, writeFileSync, copyFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { fixture, tempDir } from '../helpers/paths.js';
import { readMbox } from '../helpers/mbox.js';
import { jsonSummary, runCli, runCliHere } from '../helpers/cli.js';

describe('lorekeeper ingest', () => {
  it('prints one JSON line whose counts add up', () => {
    const dir = tempDir();
    const r = runCli(['ingest', '--data', dir, '--inbox', 'iommu', '--json', fixture('vfio-vsva-v7.thread.mbox')]);
    const s = jsonSummary(r);
    expect(Object.keys(s)).toEqual(['read', 'added', 'duplicates', 'quarantined', 'seconds']);
    expect(s).toMatchObject({ read: 84, added: 84, duplicates: 0, quarantined: 0 });
    expect(typeof s.seconds).toBe('number');
  });

  it('prints a human summary without --json', () => {
    const dir = tempDir();
    const r = runCli(['ingest', '--data', dir, '--inbox', 'v', fixture('vsock-multicid.thread.mbox')]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^read 7 messages in [\d.]+ s \(\d+\/s\): 7 added, 0 duplicates, 0 quarantined\n$/);
  });

  it('refuses a missing source with a clear error, exit 2, and writes nothing', () => {
    const dir = join(tempDir(), 'data');
    const r = runCli([
      'ingest',
      '--data',
      dir,
      '--inbox',
      'x',
      fixture('vsock-multicid.thread.mbox'),
      '/no/such/file.mbox',
    ]);
    expect(r.status).toBe(1);
    expect(r.stderr).not.toContain('--help');
    expect(r.stderr).toContain('cannot read /no/such/file.mbox: no such file or directory');
    expect(existsSync(dir)).toBe(false);
  });

  it('refuses a directory that is not a Maildir', () => {
    const r = runCli(['ingest', '--data', tempDir(), '--inbox', 'x', tempDir()]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('not a Maildir');
  });

  it('rejects bad options with usage errors', () => {
    expect(runCli(['ingest', '--inbox', 'x', fixture('seed-000-qemu-devel.eml')]).stderr).toContain(
      '--data is required',
    );
    expect(
      runCli(['ingest', '--data', tempDir(), '--inbox', '../x', fixture('seed-000-qemu-devel.eml')]).stderr,
    ).toContain('invalid inbox name');
    expect(runCli(['ingest', '--bogus']).status).toBe(2);
    expect(runCli(['ingest', '--data', tempDir(), '--inbox', 'x']).status).toBe(2);
  });

  it('takes one message on standard input, as a mail server pipes it', () => {
    const dir = tempDir();
    const msg = readFileSync(fixture('seed-000-qemu-devel.eml'));
    expect(jsonSummary(runCli(['ingest', '--data', dir, '--inbox', 'q', '--json', '-'], msg))).toMatchObject({
      read: 1,
      added: 1,
    });
    // an mbox From_ line in front is framing, not content: the same message again is a duplicate
    const framed = Buffer.concat([Buffer.from('From dgilbert@redhat.com Tue Jan 21 12:24:15 2020\n'), msg]);
    expect(jsonSummary(runCli(['ingest', '--data', dir, '--inbox', 'q', '--json', '-'], framed))).toMatchObject({
      read: 1,
      duplicates: 1,
    });
  });

  it('reads Maildirs and gzipped mboxes to the same store as plain mboxes', async () => {
    // (what the store holds, not the process: run in the test's own process)
    const msgs = readMbox(fixture('vsock-multicid.thread.mbox'));
    const maildir = tempDir();
    for (const sub of ['cur', 'new', 'tmp']) mkdirSync(join(maildir, sub));
    msgs.forEach((m, i) => writeFileSync(join(maildir, i % 2 ? 'cur' : 'new', `${1000 + i}.lk:2,S`), m));
    const gz = join(tempDir(), 'vsock.mbox.gz');
    writeFileSync(gz, gzipSync(readFileSync(fixture('vsock-multicid.thread.mbox'))));

    const digests: string[] = [];
    for (const src of [fixture('vsock-multicid.thread.mbox'), gz]) {
      const dir = tempDir();
      expect(jsonSummary(await runCliHere(['ingest', '--data', dir, '--inbox', 'v', '--json', src]))).toMatchObject({
        read: 7,
        added: 7,
      });
      digests.push((await runCliHere(['digest', '--data', dir])).stdout);
    }
    expect(digests[1]).toBe(digests[0]);
    const dir = tempDir();
    expect(jsonSummary(await runCliHere(['ingest', '--data', dir, '--inbox', 'v', '--json', maildir]))).toMatchObject({
      read: 7,
      added: 7,
    });
  });

  it('quarantines what is not mail, keeps it, and says why', () => {
    const dir = tempDir();
    const junk = join(tempDir(), 'junk.eml');
    writeFileSync(junk, 'this is not an email at all\nno headers here\n');
    const r = runCli(['ingest', '--data', dir, '--inbox', 'q', junk, fixture('seed-000-qemu-devel.eml')]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('1 added, 0 duplicates, 1 quarantined');
    expect(r.stdout).toContain('quarantined 1: no header fields: not a mail message');
    expect(readdirSync(dir)).toContain('lorekeeper.sqlite3');
  });

  it('treats a single message file as one message', () => {
    const dir = tempDir();
    const eml = join(tempDir(), 'one.eml');
    copyFileSync(fixture('seed-003-kvm.eml'), eml);
    expect(jsonSummary(runCli(['ingest', '--data', dir, '--inbox', 'kvm', '--json', eml]))).toMatchObject({
      read: 1,
      added: 1,
    });
  });
});
