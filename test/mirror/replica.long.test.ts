// A read replica of the whole virtualization list (27,573 real messages): the writer ingests the
// mbox, epochs and all; `lorekeeper mirror` of the writer gives a store whose digest is the
// writer's; `git clone --mirror` of the writer's epochs over HTTP holds one commit per stored
// message, the commits' blobs the bytes /raw gives; and the replica serves the same /raw.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { corpus, haveCorpus, tempDir } from '../helpers/paths.js';
import { jsonSummary, runCli, runCliBeside } from '../helpers/cli.js';
import { have } from '../helpers/programs.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { openReader } from '../helpers/store.js';
import { epochsOf, gitOut } from '../helpers/epochs.js';
import { midEscape } from '../../src/mail/message-id.js';

const gitAsync = promisify(execFile);
const digest = (data: string) => runCli(['digest', '--data', data]).stdout.trim();

describe.skipIf(!haveCorpus('virtualization.mbox.gz') || !have('git'))('a replica of the whole list', () => {
  const writer = tempDir();
  const replica = tempDir();
  let served: TestServer;
  let stored: number;
  beforeAll(async () => {
    const s = jsonSummary(
      runCli(['ingest', '--data', writer, '--inbox', 'virtualization', '--json', corpus('virtualization.mbox.gz')]),
    );
    expect(s).toMatchObject({ read: 27573, added: 27566, duplicates: 7, quarantined: 0 });
    const { db } = openReader(writer);
    stored = db.prepare('SELECT count(*) FROM msg WHERE num > 0').pluck().get() as number;
    db.close();
    served = await startServer(writer);
  });
  afterAll(async () => served?.close());

  it("equals the writer's store (lorekeeper digest)", async () => {
    const r = await runCliBeside(['mirror', '--data', replica, '--json', `${served.url}/`]);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ read: stored, added: stored });
    expect(digest(replica)).toBe(digest(writer));
  });

  it('git clone --mirror of the epochs holds one commit per stored message', async () => {
    const clones = tempDir();
    let commits = 0;
    for (const e of epochsOf(writer, 'virtualization')) {
      const clone = join(clones, `${e.n}.git`);
      await gitAsync('git', ['clone', '-q', '--mirror', `${served.url}/virtualization/git/${e.n}.git`, clone]);
      expect(gitOut(clone, 'rev-parse', 'master')).toBe(gitOut(e.gitDir, 'rev-parse', 'master'));
      commits += Number(gitOut(clone, 'rev-list', '--count', 'master'));
    }
    expect(commits).toBe(stored);
    expect(stored).toBe(27566);
  });

  it('serves the bytes the writer serves', async () => {
    const replicaServed = await startServer(replica);
    const { db } = openReader(writer);
    // every 500th message
    const mids = db
      .prepare('SELECT mid FROM msg WHERE num > 0 AND num % 500 = 0 ORDER BY num')
      .pluck()
      .all() as string[];
    db.close();
    for (const mid of mids) {
      const path = `/virtualization/${midEscape(mid)}/raw`;
      const [a, b] = await Promise.all([fetch(served.url + path), fetch(replicaServed.url + path)]);
      expect([a.status, b.status], path).toEqual([200, 200]);
      expect(Buffer.from(await b.arrayBuffer()).equals(Buffer.from(await a.arrayBuffer())), path).toBe(true);
    }
    await replicaServed.close();
  });
});
