// Every `git send-email` line lorekeeper prints, pasted into a real shell: the command exactly as a
// reader copies it from a message page's reply instructions (#R, the text the browser shows: HTML
// character references decoded as the HTML standard decodes them), run by bash (non-interactive and
// interactive, where ! expands history) and by dash, with PATH holding nothing but a `git` that
// records its arguments, HOME and the working directory empty directories of their own. The run
// must call git exactly once with exactly the intended arguments (computeReply's, unquoted), print
// nothing, exit 0 and leave no file behind, whatever shell syntax the mail's addresses, subject and
// Message-ID carry: the hostile sample, our own shell cases and hostile series, and the fixtures.
// That the command decoded here from the HTML is the text chromium shows is checked where the
// browser tests open those pages (test/browser/hostile-sample.ts and hostile-pages.ts).
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { buildApp, type App } from '../../src/serve/app.js';
import { ingest } from '../../src/ingest/ingest.js';
import { computeReply } from '../../src/mail/reply.js';
import { midEscape, messageIds } from '../../src/mail/message-id.js';
import { HeaderBlock, splitHeaderBody } from '../../src/mail/headers.js';
import { copiesOf } from '../../src/serve/pages/loaded-message.js';
import { Site } from '../../src/serve/site.js';
import { SearchIndex } from '../../src/store/search-index.js';
import { SeriesReader } from '../../src/store/series-reader.js';
import type { Db } from '../../src/store/open-database.js';
import { tempDir, HOSTILE_SAMPLE } from '../helpers/paths.js';
import { readMbox } from '../helpers/mbox.js';
import { have } from '../helpers/programs.js';
import { fixtureStore, openReader, FIXTURE_INBOXES } from '../helpers/store.js';
import {
  hostileSeries,
  shellCases,
  writeMbox,
  sendEmailCommand,
  intendedArgv,
  decodeEntities,
  htmlText,
  ShellSandbox,
  Pool,
  caseOf,
  BULK,
  type Paste,
  type Shell,
} from '../helpers/hostile.js';

const SHELLS: Shell[] = ['bash', 'dash', 'bash-interactive'];
const HOSTILE = 'hostile';
const SAMPLE_CASES = new Map<string, string>();
readMbox(HOSTILE_SAMPLE).forEach((raw, i) => {
  // the id lorekeeper files the message under (messages without one get a generated id: see below)
  const mid = messageIds(HeaderBlock.parse(splitHeaderBody(raw).header))[0];
  if (mid !== undefined && !SAMPLE_CASES.has(mid)) SAMPLE_CASES.set(mid, caseOf(raw, i));
});
const OWN = [...shellCases(), ...hostileSeries()];
/** Shell runs at once (two cores: each is a shell and its recorder runs). */
const PARALLEL = 4;
/** Commands pasted into one shell run, and their most bytes (one argument of `bash -c` holds 128 KiB). */
const BATCH = 50;
const BATCH_BYTES = 64 << 10;

/** A string with its invisible characters (controls, C1, bidi, separators) spelled out. */
const visible = (s: string | undefined) =>
  s === undefined
    ? 'nothing'
    : JSON.stringify(s).replace(
        /[\x7f-\x9f\u00a0\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]/g,
        (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
      );

interface Store {
  db: Db;
  site: Site;
  app: App;
}

/** One message page to paste from. */
interface Target {
  store: 'hostile' | 'fixtures';
  inbox: string;
  mid: string;
  label: string;
}

describe.skipIf(!have('bash') || !have('dash'))('git send-email lines pasted into a real shell', () => {
  const stores = new Map<string, Store>();
  let sandbox: ShellSandbox;
  const slots = new Pool<number>();
  const targets: Target[] = [];
  const pasted = { pages: 0, pastes: 0 };
  let started = 0;

  const open = async (name: string, dir: string) => {
    const { db, reader } = openReader(dir);
    stores.set(name, {
      db,
      site: new Site(reader, new SearchIndex(db), new SeriesReader(db), dir),
      app: await buildApp({ dataDir: dir }),
    });
  };

  beforeAll(async () => {
    started = Date.now();
    const hostileDir = tempDir('lk-paste-hostile-');
    await ingest({
      dataDir: hostileDir,
      inbox: HOSTILE,
      address: 'list@hostile.example',
      sources: [HOSTILE_SAMPLE],
      jobs: 2,
    });
    await ingest({
      dataDir: hostileDir,
      inbox: HOSTILE,
      sources: [writeMbox(hostileDir, 'own-hostile', OWN)],
      jobs: 2,
    });
    const fixtureDir = fixtureStore();
    await open('hostile', hostileDir);
    await open('fixtures', fixtureDir);
    sandbox = new ShellSandbox();
    for (let i = 0; i < PARALLEL; i++) slots.add(i);
  });

  afterAll(async () => {
    for (const s of stores.values()) {
      await s.app.fastify.close();
      s.db.close();
    }
    console.log(
      `send-email lines: ${pasted.pages} pages, ${pasted.pastes} pastes (${sandbox?.retriedBatches} batches pasted again command by command) in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
    sandbox?.close();
  });

  /** Every message page of an inbox (each Message-ID once), as /INBOX/MID/. */
  const pagesOf = (store: 'hostile' | 'fixtures', inbox: string): string[] =>
    (
      stores
        .get(store)!
        .db.prepare(
          'SELECT DISTINCT m.mid AS mid FROM msg m JOIN inbox i ON i.id = m.inbox_id WHERE i.name = ? AND m.num > 0 ORDER BY m.num',
        )
        .all(inbox) as { mid: string }[]
    ).map((r) => r.mid);

  /** What the page means to pass: computeReply over the first copy's headers, as message-page.ts calls it. */
  function intended(t: Target): string[] {
    const { site } = stores.get(t.store)!;
    const ib = site.inbox(t.inbox)!;
    const first = copiesOf(site, ib, t.mid)[0];
    const h = first.doc.h;
    const reply = computeReply(
      {
        from: h.from?.[0],
        to: h.to?.[0],
        cc: h.cc?.[0],
        replyTo: h['reply-to']?.[0],
        subject: h.subject?.[0] ?? '',
        messageIdRaw: h['message-id']?.[0] ?? `<${first.row.mid}>`,
      },
      ib.address,
    );
    return intendedArgv(reply);
  }

  async function commandOf(t: Target): Promise<string> {
    const res = await stores.get(t.store)!.app.fastify.inject({ url: `/${t.inbox}/${midEscape(t.mid)}/` });
    if (res.statusCode !== 200) throw new Error(`${t.label}: HTTP ${res.statusCode}`);
    const cmd = sendEmailCommand(res.body);
    if (!cmd) throw new Error(`${t.label}: no git send-email command in the reply instructions`);
    return cmd;
  }

  /** What is wrong with one paste of `cmd` into `shell`, meant to run git with `want`. */
  function judge(shell: Shell, p: Paste, want: string[]): string[] {
    const problems: string[] = [];
    const say = (what: string) => problems.push(`${shell}: ${what}`);
    if (p.calls.length !== 1) say(`git ran ${p.calls.length} times: ${JSON.stringify(p.calls)}`);
    else if (
      JSON.stringify(['send-email', ...p.calls[0].slice(1)]) !== JSON.stringify(want) ||
      p.calls[0][0] !== 'send-email'
    ) {
      const got = p.calls[0];
      const diff = want
        .map((w, i) =>
          got[i] === w ? undefined : `  [${i}] intended ${visible(w)}\n  [${i}] received ${visible(got[i])}`,
        )
        .filter(Boolean);
      if (got.length !== want.length) diff.push(`  ${got.length} arguments received, ${want.length} intended`);
      say(`arguments differ:\n${diff.join('\n')}`);
    }
    if (p.stderr !== '') say(`stderr ${JSON.stringify(p.stderr)}`);
    if (p.stdout !== '') say(`stdout ${JSON.stringify(p.stdout)}`);
    if (p.status !== 0) say(`exit status ${p.status}${p.signal ? ` (${p.signal})` : ''}`);
    if (p.strayFiles.length) say(`files left behind: ${JSON.stringify(p.strayFiles)}`);
    return problems;
  }

  /**
   * Paste each page's command into every shell; the problems found, by target. The commands go to
   * each shell in batches of up to BATCH (ShellSandbox.pasteEach: one shell run per batch, every
   * command pasted again on its own when the batch's run is not clean).
   */
  async function pasteAll(ts: Target[]): Promise<Map<Target, string[]>> {
    const cmds = await Promise.all(ts.map(commandOf));
    const found = new Map<Target, string[]>(ts.map((t) => [t, []]));
    const batches: number[][] = [];
    for (const [i, cmd] of cmds.entries()) {
      const last = batches[batches.length - 1];
      const size = last ? last.reduce((n, j) => n + cmds[j].length, 0) : Infinity;
      if (!last || last.length >= BATCH || size + cmd.length > BATCH_BYTES) batches.push([i]);
      else last.push(i);
    }
    await Promise.all(
      SHELLS.flatMap((shell) =>
        batches.map((batch) =>
          slots.with(async () => {
            const pastes = await sandbox.pasteEach(
              shell,
              batch.map((i) => cmds[i]),
            );
            pasted.pastes += batch.length;
            batch.forEach((i, k) => found.get(ts[i])!.push(...judge(shell, pastes[k], intended(ts[i]))));
          }),
        ),
      ),
    );
    pasted.pages += ts.length;
    for (const [i, t] of ts.entries()) {
      const problems = found.get(t)!;
      if (problems.length) problems.unshift(`${t.label} (${visible(cmds[i])}):`);
    }
    return found;
  }

  describe('the tools', () => {
    it('decode character references as the HTML standard does', () => {
      expect(decodeEntities('&lt;&gt;&amp;&quot;&#39;&#34;&#x27;&#38;lt;')).toBe(`<>&"'"'&lt;`);
      expect(decodeEntities('&#128;&#133;&#155;&#129;&#0;&#xD800;&#1114112;&#128640;&#8238;')).toBe(
        '\u20ac\u2026\u203a\u0081\ufffd\ufffd\ufffd\u{1f680}\u202e',
      );
      expect(() => decodeEntities('&hellip;')).toThrow(/not handled/);
      expect(htmlText('<b>git</b> send-email <a\nhref="x">&#39;a&#39;</a>\r\n')).toBe("git send-email 'a'\n");
    });

    it('the sandbox sees a second command, a missing program, a file written, output, a bad exit', async () => {
      const ok = await sandbox.paste('bash', "git send-email --to='a b' x");
      expect(ok).toMatchObject({
        calls: [['send-email', '--to=a b', 'x']],
        stderr: '',
        stdout: '',
        status: 0,
        strayFiles: [],
      });
      expect((await sandbox.paste('dash', 'git a; git b')).calls).toEqual([['a'], ['b']]);
      expect((await sandbox.paste('bash', 'git $(git inner)')).calls).toEqual([['inner'], []]);
      expect((await sandbox.paste('bash', 'git x; touch pwned')).stderr).toMatch(/touch: command not found/);
      expect((await sandbox.paste('dash', 'git x; touch pwned')).stderr).toMatch(/touch: not found/);
      expect((await sandbox.paste('bash', 'git x; :>pwned')).strayFiles).toEqual(['cwd/pwned']);
      expect((await sandbox.paste('bash', 'git x; :>"$HOME/.pwned"')).strayFiles).toEqual(['home/.pwned']);
      expect((await sandbox.paste('dash', 'git x; echo hi')).stdout).toBe('hi\n');
      expect((await sandbox.paste('bash', 'git x; false')).status).toBe(1);
      // an interactive bash expands history (!), the others do not
      expect((await sandbox.paste('bash-interactive', 'git one !#')).calls).toEqual([['one', 'git', 'one']]);
      expect((await sandbox.paste('bash', 'git one !#')).calls).toEqual([['one', '!#']]);
      const bi = await sandbox.paste('bash-interactive', "git send-email --subject='it'\\''s' \\\n    /path");
      expect(bi).toMatchObject({
        calls: [['send-email', "--subject=it's", '/path']],
        stderr: '',
        status: 0,
        strayFiles: [],
      });
    });
  });

  describe('the hostile sample and our own cases', () => {
    // the targets are known only once the store exists; one test per message page, declared from
    // the mbox's Message-IDs and checked against the store's own list; every page's command is
    // pasted (in batches) before the tests look at what each paste did
    const declared = new Set<string>();
    const found = new Map<Target, string[]>();
    /** Pages without a Message-ID of their own in the mbox (generated ids). */
    let generated: Target[] = [];
    beforeAll(async () => {
      generated = pagesOf('hostile', HOSTILE)
        .filter((mid) => !declared.has(`hostile\0${HOSTILE}\0${mid}`))
        .map((mid) => ({ store: 'hostile', inbox: HOSTILE, mid, label: `generated id <${mid}>` }));
      for (const [t, problems] of await pasteAll([...targets, ...generated])) found.set(t, problems);
    });
    const declare = (t: Target) => {
      declared.add(`${t.store}\0${t.inbox}\0${t.mid}`);
      targets.push(t);
      it(t.label, () => {
        const problems = found.get(t);
        expect(problems, problems?.join('\n')).toEqual([]);
      });
    };
    it('every message page of the hostile sample and our own cases is pasted from', () => {
      expect(
        generated.length,
        `pages whose ids the mbox does not name: ${JSON.stringify(generated.map((t) => t.mid))}`,
      ).toBeLessThanOrEqual(2);
      const problems = generated.flatMap((t) => found.get(t)!);
      expect(problems, problems.join('\n')).toEqual([]);
    });
    for (const [mid, name] of SAMPLE_CASES)
      declare({ store: 'hostile', inbox: HOSTILE, mid, label: `${name} <${mid}>` });
    for (const m of OWN) declare({ store: 'hostile', inbox: HOSTILE, mid: m.mid, label: `${m.name} <${m.mid}>` });
    // on /all/ there is no list address to fall back on
    for (const m of OWN)
      if (m.name.startsWith('shell-'))
        declare({ store: 'hostile', inbox: 'all', mid: m.mid, label: `/all/: ${m.name} <${m.mid}>` });
    for (const [mid, name] of SAMPLE_CASES)
      if (!BULK.test(name)) declare({ store: 'hostile', inbox: 'all', mid, label: `/all/: ${name} <${mid}>` });
  });

  describe('the fixtures', () => {
    for (const ib of FIXTURE_INBOXES) {
      it(`every message page of /${ib.name}/`, async () => {
        const mids = pagesOf('fixtures', ib.name);
        expect(mids.length).toBeGreaterThan(0);
        const found = await pasteAll(
          mids.map((mid) => ({ store: 'fixtures', inbox: ib.name, mid, label: `/${ib.name}/ <${mid}>` })),
        );
        const problems = [...found.values()].flat();
        expect(problems, problems.join('\n')).toEqual([]);
      });
    }
  });
});
