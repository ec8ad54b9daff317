// Messages with several Message-IDs in one header (ids holding '<', '/' and quotes), in both arrival
// orders, against what public-inbox 1.9 keeps of them when they arrive one by one as -mda and -watch
// deliver them (V2Writable::add, whose v2_num_for is the duplicate rule), recorded in
// fixtures/expected/multi-id.json. To record it again (HOME=$PI_WORK/home, as pi-reference sets it):
//   public-inbox-init -V2 mdafwd $PI_WORK/mdafwd http://127.0.0.1:8094/mdafwd mdafwd@example.org
//   perl -MPublicInbox::InboxWritable -e '...add each message of fixtures/multi-id.mbox...' (and mdarev,
//   the same messages last to first); then, with public-inbox-httpd serving both on port 8094:
//   LK_EXPECT_FROM=http://127.0.0.1:8094/ npx vitest run test/ingest/multi-id.test.ts
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { ingest, type IngestSummary } from '../../src/ingest/ingest.js';
import { toMboxrd } from '../../src/mail/mboxrd.js';
import { midEscape } from '../../src/mail/message-id.js';
import type { App } from '../../src/serve/app.js';
import { fixture, tempDir } from '../helpers/paths.js';
import { readMbox } from '../helpers/mbox.js';
import { appOver } from '../helpers/app.js';
import { sendEmailCommand } from '../helpers/hostile.js';

const EXPECTED = fixture('expected/multi-id.json');
const regenerateFrom = process.env.LK_EXPECT_FROM;

const A = 'CACGkMEvPtS9pGqkxr6=UJj7myQZw8A2qMdV2CnPtksDESvn5Gg@mail.gmail.com';
/** Every id the messages carry: A's, its resent copy's, a reply's twin ids, a copy's extra id. */
const IDS = [
  A,
  '20230317032011.4F2A1C0089-resent@lists.example.org',
  '"m2wn3fhh64/resent<1"@oracle.com',
  'm2wn3fhh64.fsf@oracle.com',
  '"alt/copy<2"@example.org',
];

interface Outcome {
  /** The Message-ID header of each message kept, in arrival order. */
  kept: string[];
  /** For each id: how many kept messages answer to it (0: /raw is 404). */
  copies: Record<string, number>;
}

const messages = readMbox(fixture('multi-id.mbox'));
const ORDERS = { forward: messages, reverse: [...messages].reverse() };
const headerIds = (raw: string) => [...raw.matchAll(/^Message-ID:[ \t]*(.*)$/gim)].map((m) => m[1]);

describe.each(Object.entries(ORDERS))('several Message-IDs in one header, arriving %s', (order, mail) => {
  let summary: IngestSummary;
  let app: App;
  const expected: Outcome = regenerateFrom
    ? { kept: [], copies: {} }
    : JSON.parse(readFileSync(EXPECTED, 'utf8'))[order];
  beforeAll(async () => {
    const dir = tempDir();
    const mbox = join(dir, 'in.mbox');
    writeFileSync(mbox, Buffer.concat(mail.map(toMboxrd)));
    summary = await ingest({ dataDir: dir, inbox: 'multi', sources: [mbox], jobs: 0 });
    app = await appOver(dir);
  });
  afterAll(() => app.fastify.close());

  const get = (url: string) => app.fastify.inject({ url, headers: { host: 'lore.test' } });

  it('keeps what public-inbox keeps: a message whose first id is new, never a copy under a known first id', async () => {
    if (regenerateFrom) {
      const pi = `${regenerateFrom}${order === 'forward' ? 'mdafwd' : 'mdarev'}/`;
      const all = gunzipSync(Buffer.from(await (await fetch(`${pi}all.mbox.gz`)).arrayBuffer())).toString('latin1');
      expected.kept = headerIds(all);
      for (const id of IDS) {
        const raw = await fetch(`${pi}${midEscape(id)}/raw`);
        expected.copies[id] = raw.status === 404 ? 0 : (await raw.text()).match(/^From /gm)!.length;
      }
      const file = existsOr(EXPECTED);
      writeFileSync(EXPECTED, JSON.stringify({ ...file, [order]: expected }, null, 1) + '\n');
    }
    expect(summary.read).toBe(6);
    expect(summary.added + summary.duplicates + summary.quarantined).toBe(summary.read);
    expect(summary).toMatchObject({ added: expected.kept.length, duplicates: 6 - expected.kept.length });
    const all = gunzipSync((await get('/multi/all.mbox.gz')).rawPayload).toString('latin1');
    expect(headerIds(all)).toEqual(expected.kept);
  });

  it('answers every id as public-inbox does, and every id of a kept message on /raw, its page, /T/ and the reply', async () => {
    for (const id of IDS) {
      const raw = await get(`/multi/${midEscape(id)}/raw`);
      const copies = raw.statusCode === 404 ? 0 : raw.body.match(/^From /gm)!.length;
      expect(copies, id).toBe(expected.copies[id]);
    }
    const keptIds = new Set(expected.kept.flatMap((h) => [...h.matchAll(/<([^>]+)>/g)].map((m) => m[1])));
    expect(keptIds.size).toBeGreaterThanOrEqual(4);
    for (const id of keptIds) {
      const page = await get(`/multi/${midEscape(id)}/`);
      expect(page.statusCode, id).toBe(200);
      expect(sendEmailCommand(page.body), id).toContain('--in-reply-to=');
      expect((await get(`/multi/${midEscape(id)}/T/`)).statusCode, id).toBe(200);
      expect((await get(`/multi/${midEscape(id)}/raw`)).statusCode, id).toBe(200);
    }
  });
});

function existsOr(path: string): Record<string, Outcome> {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return {};
  }
}
