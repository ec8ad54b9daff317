// Hostile mail of our own, and the tools the hostile tests share: a patch series (v1 and v2, cover
// letters, replies giving trailers) whose every field carries markup, script and remote loads;
// messages whose addresses, subjects and Message-IDs carry shell syntax; a pool of browser tabs;
// the text a browser shows for a piece of HTML; and a real shell to paste a command line into.
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, closeBrowser, RecordingContext, type RecordedPage } from './browser.js';
import type { Reply } from '../../src/mail/reply.js';
import type { Db } from '../../src/store/open-database.js';
import { HeaderBlock, splitHeaderBody } from '../../src/mail/headers.js';
import { messageIds } from '../../src/mail/message-id.js';
import { tempDir } from './paths.js';
import { openReader } from './store.js';
import { startServer, type TestServer } from './server.js';

// ---------------------------------------------------------------------------------------------
// Payloads

/** Markup that would run script, load something remote, or break the page's structure. Every
 *  script calls the browser tests' tripwire (`__lkPwned`) or alert(), so running is noticed. */
export const PAYLOADS = {
  script: `<script>__lkPwned('script')</script>`,
  img: `"><img src=x onerror=__lkPwned('img')>`,
  svg: `<svg onload=__lkPwned('svg')>`,
  style: `<style>*{display:none}body{background:url(http://evil.example/style-bg.png)}</style>`,
  iframe: `<iframe src="http://evil.example/frame"></iframe>`,
  form: `<form action="http://evil.example/form" method=post><input name=q><button>go</button></form>`,
  meta: `<meta http-equiv="refresh" content="0;url=http://evil.example/refresh">`,
  base: `<base href="http://evil.example/">`,
  link: `<link rel=stylesheet href=http://evil.example/link.css>`,
  cssUrl: `<div style="background:url(http://evil.example/div-bg.png)">x</div>`,
  jsUrl: `javascript:__lkPwned('jsurl')`,
  dataUrl: `data:text/html,<script>__lkPwned('data')</script>`,
  object: `<object data="http://evil.example/obj"></object><embed src="http://evil.example/embed">`,
  template: `<template><script>alert(1)</script></template><math><mtext><table><mglyph><style><img src=x onerror=alert('mxss')>`,
  /** Unicode tricks: right-to-left override, isolates, a Cyrillic homoglyph, zero-width joiners. */
  bidi: '\u202e>tpircs/<\u202c \u2066evil\u2069 \u0430dmin@ex\u0430mple.org zero\u200bwidth',
  entity: "&lt;script&gt;__lkPwned('entity')&lt;/script&gt; &#60;img src=x onerror=alert(1)&#62;",
};
const ALL_PAYLOADS = Object.values(PAYLOADS).join(' ');
/** A line far longer than any screen: 40,000 characters of markup. */
export const LONG_LINE = `long:${"<b onmouseover=__lkPwned('long')>".repeat(1000)}${'x'.repeat(6000)}`;

/** RFC 2047 B-encoding of any text (so names and subjects can carry raw UTF-8 and markup). */
export function encodedWord(text: string): string {
  // split on character boundaries into words of at most 45 bytes of text each (RFC 2047 length)
  const words: string[] = [];
  let cur = '';
  for (const ch of text) {
    if (Buffer.byteLength(cur + ch) > 45) {
      words.push(cur);
      cur = '';
    }
    cur += ch;
  }
  if (cur || !words.length) words.push(cur);
  return words.map((w) => `=?UTF-8?B?${Buffer.from(w, 'utf8').toString('base64')}?=`).join('\n ');
}

// ---------------------------------------------------------------------------------------------
// Messages

/** One message of our own hostile cases. */
export interface OwnMessage {
  /** The X-Case header: what the message is. */
  name: string;
  /** Its Message-ID, without brackets. */
  mid: string;
  raw: string;
  /** Set on patches and cover letters: [version, counter] (counter 0 for a cover letter). */
  patch?: [number, number];
}

interface MailSpec {
  name: string;
  mid: string;
  /** Header lines as written (already encoded where needed), without Message-ID/Date/X-Case. */
  headers: string[];
  body: string;
  date: number;
  patch?: [number, number];
}

const DATE0 = Date.UTC(2023, 5, 1, 12, 0, 0) / 1000;

function mail(s: MailSpec): OwnMessage {
  const date = new Date(s.date * 1000).toUTCString().replace('GMT', '+0000');
  const head = [
    `Message-ID: <${s.mid}>`,
    `Date: ${date}`,
    ...s.headers,
    `X-Case: ${s.name}`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: 8bit',
  ];
  return {
    name: s.name,
    mid: s.mid,
    raw: `${head.join('\n')}\n\n${s.body.endsWith('\n') ? s.body : s.body + '\n'}`,
    patch: s.patch,
  };
}

export const SERIES_DOMAIN = 'series.hostile.example';
export const AUTHOR_ADDR = `author@${SERIES_DOMAIN}`;
/** The author's display name: markup, a right-to-left override and a homoglyph, RFC 2047-encoded. */
export const AUTHOR_NAME = `<img src=x onerror=__lkPwned('author')> \u202eRLO \u0410uthor <script>__lkPwned('author2')</script>`;
/** The series title, the same in both versions (so they chain by title and author too). */
export const SERIES_TITLE = `<script>__lkPwned('title')</script>"><img src=x onerror=alert('title')> <style>*{display:none}</style> \u202eevil javascript:alert(1)`;
/** Its change-id (one word, as the ingest reads `change-id: \S+`). */
export const CHANGE_ID = `<script>__lkPwned('changeid')</script>"><img/src=x/onerror=alert('cid')>`;

const PATCH_SUBJECTS = [
  `<iframe src="javascript:__lkPwned('p1')"></iframe> <form action=http://evil.example/p1><input name=x></form>`,
  `<meta http-equiv="refresh" content="0;url=http://evil.example/p2"> <base href="http://evil.example/"> <link rel=stylesheet href=http://evil.example/p2.css>`,
  `<svg/onload=__lkPwned('p3')> <div style="background:url(http://evil.example/p3.png)">x</div> data:text/html,<script>alert(3)</script>`,
];
/** Paths of the changed files: markup, a javascript: "URL" and a CSS import, no spaces. */
const PATHS = [
  `drivers/<svg/onload=__lkPwned('f1')>.c`,
  `include/x"><img/src=x/onerror=__lkPwned('f2')>.h`,
  `javascript:__lkPwned('f3')/<style>@import'http://evil.example/f3.css';</style>.rs`,
];

const subjectOf = (version: number, counter: number, title: string) =>
  `[PATCH ${version > 1 ? `v${version} ` : ''}${counter}/3] ${title}`;
const seriesMid = (version: number, counter: number) =>
  `hs-v${version}-${counter}.${counter === 2 ? "&amp;'quote" : 'x'}@${SERIES_DOMAIN}`;

function patchBody(version: number, counter: number): string {
  const path = PATHS[counter - 1];
  // patch 3 is the same in both versions: unchanged since v1, its v1 trailers carried over
  const changed = counter === 3 ? 'v1' : `v${version}`;
  return [
    `Commit message of patch ${counter} (${changed}): ${PAYLOADS.script} ${PAYLOADS.img}`,
    `See ${PAYLOADS.jsUrl} and ${PAYLOADS.dataUrl} and <http://evil.example/x?a=1&b="><script>alert(1)</script>>.`,
    PAYLOADS.bidi,
    PAYLOADS.entity,
    counter === 1 ? LONG_LINE : PAYLOADS.template,
    '',
    `Signed-off-by: <script>__lkPwned('sob')</script> <${AUTHOR_ADDR}>`,
    `Reviewed-by: "><img src=x onerror=__lkPwned('rb-sent')> <early@${SERIES_DOMAIN}>`,
    `Link: javascript:__lkPwned('link-trailer')`,
    `Cc: ${PAYLOADS.style} <cc@${SERIES_DOMAIN}>`,
    '---',
    ` ${path} | 2 +-`,
    ' 1 file changed, 1 insertion(+), 1 deletion(-)',
    '',
    `diff --git a/${path} b/${path}`,
    'index 1111111..2222222 100644',
    `--- a/${path}`,
    `+++ b/${path}`,
    "@@ -1,3 +1,3 @@ <script>__lkPwned('hunk')</script>",
    ` context ${PAYLOADS.form} ${PAYLOADS.iframe}`,
    `-old ${PAYLOADS.meta} ${PAYLOADS.base}`,
    `+new ${changed} ${PAYLOADS.link} ${PAYLOADS.cssUrl} </pre></div></table><script>__lkPwned('diff')</script>`,
    ` context ${PAYLOADS.object} ${PAYLOADS.svg}`,
    '-- ',
    '2.40.0',
  ].join('\n');
}

function coverBody(version: number): string {
  return [
    `Cover letter of v${version}: ${ALL_PAYLOADS}`,
    '',
    LONG_LINE,
    '',
    `Changes since v1: ${PAYLOADS.script} <a href="javascript:__lkPwned('cover-a')">click</a>`,
    '',
    ...PATHS.map((p) => ` ${p} | 2 +-`),
    ' 3 files changed, 3 insertions(+), 3 deletions(-)',
    '',
    `base-commit: <img/src=x/onerror=__lkPwned('base')> 0123456789abcdef0123456789abcdef01234567`,
    `change-id: ${CHANGE_ID}`,
    '-- ',
    `${PAYLOADS.style} ${PAYLOADS.form}`,
  ].join('\n');
}

/**
 * The hostile patch series: v1 and v2 of `[PATCH 0/3]` with three patches each (each version its
 * own thread; patch 3 unchanged between them), and replies giving trailers: matched and unmatched,
 * on a patch, on the cover letter (for every patch), nested, and on v1's patch 3 (carried to v2).
 */
export function hostileSeries(): OwnMessage[] {
  const out: OwnMessage[] = [];
  let t = DATE0;
  const author = `From: ${encodedWord(AUTHOR_NAME)} <${AUTHOR_ADDR}>`;
  const to = `To: "${PAYLOADS.script.replace(/"/g, '')}" <list@${SERIES_DOMAIN}>`;
  for (const version of [1, 2]) {
    const cover = seriesMid(version, 0);
    out.push(
      mail({
        name: `series-v${version}-cover`,
        mid: cover,
        date: t++,
        patch: [version, 0],
        headers: [author, to, `Subject: ${encodedWord(subjectOf(version, 0, SERIES_TITLE))}`],
        body: coverBody(version),
      }),
    );
    for (const counter of [1, 2, 3]) {
      out.push(
        mail({
          name: `series-v${version}-patch-${counter}`,
          mid: seriesMid(version, counter),
          date: t++,
          patch: [version, counter],
          headers: [
            author,
            to,
            `Subject: ${encodedWord(subjectOf(version, counter, PATCH_SUBJECTS[counter - 1]))}`,
            `In-Reply-To: <${cover}>`,
            `References: <${cover}>`,
          ],
          body: patchBody(version, counter),
        }),
      );
    }
  }
  const reply = (
    name: string,
    parent: string,
    parentRefs: string[],
    subject: string,
    from: string,
    lines: string[],
  ) => {
    out.push(
      mail({
        name,
        mid: `${name}@${SERIES_DOMAIN}`,
        date: t++,
        headers: [
          `From: ${from}`,
          to,
          `Subject: ${encodedWord(`Re: ${subject}`)}`,
          `In-Reply-To: <${parent}>`,
          `References: ${[...parentRefs, parent].map((r) => `<${r}>`).join(' ')}`,
        ],
        body: [`On a day, someone wrote:`, `> ${PAYLOADS.script}`, `> ${PAYLOADS.img}`, '', ...lines].join('\n'),
      }),
    );
  };
  const v2 = (c: number) => seriesMid(2, c);
  const v2subj = (c: number) => subjectOf(2, c, c ? PATCH_SUBJECTS[c - 1] : SERIES_TITLE);
  reply(
    'series-reply-reviewed',
    v2(1),
    [v2(0)],
    v2subj(1),
    `${encodedWord(`<script>__lkPwned('r1name')</script>"><img src=x onerror=alert(1)>`)} <rev1@${SERIES_DOMAIN}>`,
    [
      `Reviewed-by: <script>__lkPwned('reviewed')</script> <rev1@${SERIES_DOMAIN}>`,
      // no '<' or '"' before the address: b4's rules read the address, so this one is applied
      `Reviewed-by: javascript:__lkPwned('reviewed-ok')//'>&amp;lt;svg onload=alert(1)&gt; <rev1@${SERIES_DOMAIN}>`,
    ],
  );
  reply(
    'series-reply-acked',
    v2(2),
    [v2(0)],
    v2subj(2),
    `"Acker ${PAYLOADS.iframe.replace(/"/g, "'")}" <acker@${SERIES_DOMAIN}>`,
    [
      `Acked-by: "><img src=x onerror=__lkPwned('acked')> <acker@${SERIES_DOMAIN}>`,
      `Acked-by: ' onmouseover=__lkPwned('acked-ok') x='>&amp; <acker@${SERIES_DOMAIN}>`,
    ],
  );
  reply(
    'series-reply-tested-cover',
    v2(0),
    [],
    v2subj(0),
    `Tester <tester@${SERIES_DOMAIN}>`,
    // (no http:// in them: b4 ignores trailers carrying a URL)
    [
      `Tested-by: <style>*{display:none}</style><link rel=stylesheet href=//evil.example/t.css> <tester@${SERIES_DOMAIN}>`,
      `Tested-by: Tester '>\u202e}enon:yalpsid{* <tester@${SERIES_DOMAIN}>`,
    ],
  );
  reply('series-reply-unmatched', v2(1), [v2(0)], v2subj(1), `Mallory <mallory@${SERIES_DOMAIN}>`, [
    `Reviewed-by: <iframe src=javascript:__lkPwned('unmatched')></iframe> <someone-else@${SERIES_DOMAIN}>`,
    `Nacked-by: javascript:__lkPwned('nacked') <mallory@${SERIES_DOMAIN}>`,
  ]);
  reply(
    'series-reply-carried',
    seriesMid(1, 3),
    [seriesMid(1, 0)],
    subjectOf(1, 3, PATCH_SUBJECTS[2]),
    `${encodedWord('\u202eevil\u202c \u0410dmin')} <rev3@${SERIES_DOMAIN}>`,
    [`Reviewed-by: \u202eevil\u202c \u0410dmin <rev3@${SERIES_DOMAIN}>`],
  );
  reply(
    'series-reply-reported',
    v2(3),
    [v2(0)],
    v2subj(3),
    `"<form action=http://evil.example/>" <rep@${SERIES_DOMAIN}>`,
    [
      `Reported-by: <form action=//evil.example/f><button>x</button></form> <rep@${SERIES_DOMAIN}>`,
      `Suggested-by: data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg== <rep@${SERIES_DOMAIN}>`,
    ],
  );
  reply(
    'series-reply-nested',
    'series-reply-reviewed@' + SERIES_DOMAIN,
    [v2(0), v2(1)],
    v2subj(1),
    `T2 <t2@${SERIES_DOMAIN}>`,
    [
      `Tested-by: <meta http-equiv=refresh content=0;url=//evil.example/> <base href=//evil.example/> <t2@${SERIES_DOMAIN}>`,
    ],
  );
  return out;
}

/** Addresses whose bare address carries shell syntax (what addressparser keeps of them). */
const SHELL_ADDRESSES = [
  `"$(git injected-dollar)"@shell.example`,
  `'$(git injected-single)'@shell.example`,
  '`git injected-backtick`@shell.example',
  'b|git@shell.example',
  'c&&git@shell.example',
  `"d\\"$(git injected-dq)"@shell.example`,
  `"e';git injected-sq;'"@shell.example`,
  '"f;git injected-semi"@shell.example',
  '!!@shell.example',
  '~root@shell.example',
  '*@shell.example',
  '[ab]@shell.example',
  '-x@shell.example',
  '--help@shell.example',
  '"g $IFS ${PATH} $0 $$"@shell.example',
  '"h\\\\"@shell.example',
  '"i\\\n\tfolded-tab"@shell.example',
  '"j:>pwned-redirect"@shell.example',
  '"<k>"@shell.example',
  '#hash@shell.example',
  '%s%n@shell.example',
  'k=v@shell.example',
];

/**
 * Messages whose Message-ID, addresses and subject are shell syntax meant to run something when the
 * reply command is pasted: command substitution, backticks, ; | && and redirections (with builtins
 * only, and with `git` itself, which the recorder notices), quotes, globs, history expansion,
 * control characters (newline, CR, NUL, C1 controls) and Unicode (bidi overrides, line separators).
 */
export function shellCases(): OwnMessage[] {
  const out: OwnMessage[] = [];
  let t = DATE0 + 1000;
  const add = (name: string, mid: string, headers: string[], body = 'shell case\n') =>
    out.push(mail({ name, mid, date: t++, headers, body }));
  add('shell-addr-0', 'shell-addr-0@shell.example', [
    `From: "Eve $(git injected-name)" <${SHELL_ADDRESSES[0]}>`,
    `To: ${SHELL_ADDRESSES.slice(1, 6).join(', ')}`,
    `Cc: ${SHELL_ADDRESSES.slice(6, 14).join(', ')}`,
    `Reply-To: ${SHELL_ADDRESSES.slice(14).join(', ')}`,
    'Subject: $(git injected-subject) `git injected-subject-bt` ; git x | git y && git z > pwned-subject',
  ]);
  add('shell-mid-0', '$(git injected-mid)@shell.example', [
    'From: A <a@shell.example>',
    'To: list@shell.example',
    'Subject: mid $(...)',
  ]);
  add('shell-mid-1', "'`git injected-mid-bt`'@shell.example", [
    'From: A <a@shell.example>',
    'To: list@shell.example',
    'Subject: mid backticks',
  ]);
  add('shell-mid-2', 'a;git injected-mid-semi;b|git c&&git d@shell.example', [
    'From: A <a@shell.example>',
    'To: list@shell.example',
    'Subject: mid ; | &&',
  ]);
  add('shell-mid-3', "it's!$HOME\\!!@shell.example", [
    'From: A <a@shell.example>',
    'To: list@shell.example',
    "Subject: it's !! $HOME",
  ]);
  add('shell-subject-quotes', 'shell-subject-quotes@shell.example', [
    'From: A <a@shell.example>',
    'To: list@shell.example',
    `Subject: it's a "quote" \\' \\" \\\\ '$(git injected)' !event !! !-1 ^a^b \${PATH:0:1} {a,b} *.c ~ #x`,
  ]);
  add('shell-subject-newline', 'shell-subject-newline@shell.example', [
    'From: A <a@shell.example>',
    'To: list@shell.example',
    `Subject: ${encodedWord("line one\ngit injected-newline\r\n$(git injected-crlf)\ttab\u0000nul\u001b[31mesc\u007fdel'")}`,
  ]);
  add('shell-subject-unicode', 'shell-subject-unicode@shell.example', [
    'From: A <a@shell.example>',
    'To: list@shell.example',
    `Subject: ${encodedWord("bidi \u202e'$(git injected-rlo)'\u202c sep\u2028line\u2029para nbsp\u00a0x zwj\u200d \uff1bgit fullwidth \uff04(x) \ud83d\ude80")}`,
  ]);
  add('shell-subject-c1', 'shell-subject-c1@shell.example', [
    'From: A <a@shell.example>',
    'To: list@shell.example',
    `Subject: ${encodedWord('c1 controls: nel\u0085csi\u009b31m st\u009c pad\u0080 end')}`,
  ]);
  add('shell-addr-utf8', 'shell-addr-utf8@shell.example', [
    // raw UTF-8 in the header (RFC 6532), and an encoded display name hiding a newline
    'From: "\u00fcn\u00ef" <\u00fcn\u00ef\u00e7\u00f8d\u00e9@ex\u00e4mple.org>',
    `To: ${encodedWord('x\n$(git injected-name-nl)')} <nl@shell.example>`,
    'Subject: utf-8 addresses',
  ]);
  add('shell-no-addresses', 'shell-no-addresses@shell.example', ['Subject: $(git injected-noaddr) nobody to answer']);
  return out;
}

/** Messages as one mboxrd file (the ingest's default format). */
export function toMboxrd(messages: OwnMessage[]): Buffer {
  return Buffer.from(
    messages.map((m) => `From mboxrd@z Thu Jan  1 00:00:00 1970\n${m.raw.replace(/^(>*From )/gm, '>$1')}\n`).join(''),
    'utf8',
  );
}

/** Write our own cases to `dir/NAME.mbox` and return the path. */
export function writeMbox(dir: string, name: string, messages: OwnMessage[]): string {
  const path = join(dir, `${name}.mbox`);
  writeFileSync(path, toMboxrd(messages));
  return path;
}

// ---------------------------------------------------------------------------------------------
// The hostile sample's cases, and where messages ended up

/** The case a message of the hostile sample stands for: its X-Case header (else its index). */
export const caseOf = (raw: Buffer, i: number) =>
  /\nX-Case: ([^\n]+)\n/.exec(raw.toString('latin1'))?.[1] ?? `message-${i}`;

/** The cases of the 300 replies of the wide thread and the 200 links of the deep chain. */
export const BULK = /^(?:deep|wide)-\d+$/;
/**
 * The bulk cases npm test opens in a browser: the chain's first, second, middle and last links, the
 * wide thread's first, middle and last replies. The other 493 are plain text ("level 48") whose pages
 * differ only by their place in those two threads; the long tests open every one.
 */
export const BULK_SAMPLE = /^(?:deep-(?:0|1|100|199)|wide-(?:0|150|299))$/;
/**
 * The cases whose raw text npm test opens in a browser: the mails whose text is HTML (a browser that
 * sniffed would render it) and the one holding NUL bytes (a browser that sniffed would take it for a
 * download). The others' raw text is checked as served: text/plain, nosniff; the long tests open all.
 */
export const RAW_OPENED = /^(?:xss-htmlonly-\d+|nul-bytes)$/;

/** Where a message of an mbox ended up in the store. */
export interface Located {
  mid: string;
  num: number;
  /** Its own bytes are stored (false for a content-identical duplicate, shown through its original). */
  ownBlob: boolean;
  /** It starts its thread (no references). */
  root: boolean;
  /** The messages of its thread (itself included; ghosts not counted). */
  threadSize: number;
}

/**
 * Each message as lorekeeper stored it, by index: by the SHA-256 of its exact bytes (this finds the
 * generated ...@z ids of messages without a usable Message-ID too), else by its Message-ID.
 */
export function locateMessages(db: Db, inbox: string, messages: Buffer[]): Map<number, Located> {
  const bySha = db.prepare(
    'SELECT m.num AS num, m.mid AS mid, m.refs AS refs FROM msg m JOIN blob b ON b.id = m.blob_id JOIN inbox i ON i.id = m.inbox_id WHERE b.sha256 = ? AND i.name = ? AND m.num > 0 ORDER BY m.num',
  );
  const byMid = db.prepare(
    'SELECT m.num AS num, m.mid AS mid, m.refs AS refs FROM msg m JOIN id2num x ON x.num = m.num JOIN msgid d ON d.id = x.id JOIN inbox i ON i.id = m.inbox_id WHERE d.mid = ? AND i.name = ? AND m.num > 0 ORDER BY m.num',
  );
  const threadSize = db.prepare('SELECT count(*) FROM msg WHERE tid = (SELECT tid FROM msg WHERE num = ?) AND num > 0');
  const out = new Map<number, Located>();
  messages.forEach((raw, i) => {
    type Row = { num: number; mid: string; refs: string | null };
    let row = bySha.get(createHash('sha256').update(raw).digest(), inbox) as Row | undefined;
    const ownBlob = !!row;
    if (!row) {
      const mid = messageIds(HeaderBlock.parse(splitHeaderBody(raw).header))[0];
      row = mid === undefined ? undefined : (byMid.get(mid, inbox) as Row | undefined);
    }
    if (row)
      out.set(i, {
        mid: row.mid,
        num: row.num,
        ownBlob,
        root: !row.refs,
        threadSize: threadSize.pluck().get(row.num) as number,
      });
  });
  return out;
}

// ---------------------------------------------------------------------------------------------
// Search queries

/**
 * A query that finds the message with this Message-ID and subject: `mid:ID` (quoted when it holds
 * spaces or parentheses), or, for ids the query language cannot spell (holding a double quote, or
 * starting with '<' or ending with '>', which mid: strips), every word of the subject with s:.
 */
export function findQuery(mid: string, subject: string): string | undefined {
  if (!/["\u201c\u201d]/.test(mid) && !/^<|>$/.test(mid)) return /[\s()]/.test(mid) ? `mid:"${mid}"` : `mid:${mid}`;
  const words = subject.match(/[\p{L}\p{N}_]+/gu);
  return words ? words.map((w) => `s:${w}`).join(' ') : undefined;
}

// ---------------------------------------------------------------------------------------------
// Atom as a feed reader reads it

/**
 * What a feed reader would show of an Atom document that it should not: text constructs with
 * type="html" whose HTML holds markup (in a title: any element at all), type="xhtml" content with
 * anything beyond the <div><pre><a><span><b> public-inbox writes, elements of other namespaces,
 * non-http links. Parsed by the browser's own parsers (DOMParser: inert, nothing runs or loads).
 */
export async function feedProblems(page: Page, xml: string): Promise<string[]> {
  return page.evaluate((text) => {
    const ATOM = 'http://www.w3.org/2005/Atom';
    const THR = 'http://purl.org/syndication/thread/1.0';
    const XHTML = 'http://www.w3.org/1999/xhtml';
    const out: string[] = [];
    const describe = (el: Element) =>
      `<${el.localName}${[...el.attributes].map((a) => ` ${a.name}=${JSON.stringify(a.value.slice(0, 80))}`).join('')}>`;
    const doc = new DOMParser().parseFromString(text, 'application/xml');
    const err = doc.getElementsByTagName('parsererror')[0];
    if (err) return [`not well-formed XML: ${err.textContent?.slice(0, 200)}`];
    if (doc.documentElement.namespaceURI !== ATOM || doc.documentElement.localName !== 'feed')
      out.push(`root is ${describe(doc.documentElement)}`);
    const okUrl = (v: string) => /^(?:https?:|mailto:|urn:uuid:)/i.test(v) || !/^[a-z][a-z0-9+.-]*:/i.test(v);
    const TEXT_CONSTRUCTS = ['title', 'subtitle', 'summary', 'content', 'rights'];
    const ALLOWED_XHTML = ['div', 'pre', 'a', 'span', 'b', 'u', 'i', 'q'];
    for (const el of [...doc.getElementsByTagName('*')]) {
      if (el.namespaceURI === ATOM || el.namespaceURI === THR) {
        for (const a of [...el.attributes])
          if (a.name === 'href' && !okUrl(a.value)) out.push(`link to ${a.value.slice(0, 80)} in ${describe(el)}`);
        if (!TEXT_CONSTRUCTS.includes(el.localName) || el.namespaceURI !== ATOM) continue;
        const type = el.getAttribute('type') ?? 'text';
        if (type === 'html') {
          const h = new DOMParser().parseFromString(el.textContent ?? '', 'text/html');
          const els = [...h.head.querySelectorAll('*'), ...h.body.querySelectorAll('*')];
          if (el.localName === 'title' && els.length) {
            out.push(
              `<title type="html"> holds markup a feed reader renders: ${els.map(describe).join(' ')} (from ${JSON.stringify((el.textContent ?? '').slice(0, 120))})`,
            );
          } else {
            const bad = els.filter(
              (e) =>
                !ALLOWED_XHTML.includes(e.localName) ||
                [...e.attributes].some((a) => /^on/i.test(a.name) || a.name === 'src' || a.name === 'style'),
            );
            if (bad.length) out.push(`<${el.localName} type="html"> holds markup: ${bad.map(describe).join(' ')}`);
          }
        } else if (type === 'xhtml') {
          for (const x of [...el.getElementsByTagName('*')]) {
            if (x.namespaceURI !== XHTML || !ALLOWED_XHTML.includes(x.localName))
              out.push(`element ${describe(x)} in <${el.localName} type="xhtml">`);
            for (const a of [...x.attributes]) {
              const fine =
                a.name === 'class' ||
                a.name === 'id' ||
                a.name === 'xmlns' ||
                (a.name === 'href' && okUrl(a.value)) ||
                (a.name === 'style' && x.localName === 'pre' && a.value === 'white-space:pre-wrap');
              if (!fine)
                out.push(
                  `attribute ${a.name}=${JSON.stringify(a.value.slice(0, 80))} on ${describe(x)} in <${el.localName} type="xhtml">`,
                );
            }
          }
        } else if (type !== 'text') out.push(`text construct of type ${type}: ${describe(el)}`);
        else if (el.children.length) out.push(`<${el.localName}> of type text holds elements`);
      } else if (!el.closest('content'))
        out.push(`element of another namespace outside content: ${describe(el)} (${el.namespaceURI})`);
    }
    return out;
  }, xml);
}

// ---------------------------------------------------------------------------------------------
// Browser tabs

/** A fixed set of tabs (or anything) handed out to concurrent tests. */
export class Pool<T> {
  private free: T[] = [];
  private waiting: ((p: T) => void)[] = [];
  add(p: T): void {
    const w = this.waiting.shift();
    if (w) w(p);
    else this.free.push(p);
  }
  acquire(): Promise<T> {
    const p = this.free.pop();
    return p !== undefined ? Promise.resolve(p) : new Promise((resolve) => this.waiting.push(resolve));
  }
  async with<R>(fn: (p: T) => Promise<R>): Promise<R> {
    const p = await this.acquire();
    try {
      return await fn(p);
    } finally {
      this.add(p);
    }
  }
}

export interface HostileBrowser {
  browser: Browser;
  tabs: Pool<RecordedPage>;
  close: () => Promise<void>;
}

/** Chromium with a few recording tabs on the server, for pages that must be safe by themselves. */
export async function hostileBrowser(serverUrl: string, tabCount: number): Promise<HostileBrowser> {
  const browser = await launchBrowser();
  // the HTML must be safe by itself, not only behind its Content-Security-Policy: this context
  // ignores the header, so an injected <script> or onerror= would really run here (the header's
  // presence and strictness are asserted on every response separately)
  const ctx = await RecordingContext.open(browser, serverUrl, { bypassCSP: true });
  const tabs = new Pool<RecordedPage>();
  for (let i = 0; i < tabCount; i++) tabs.add(await ctx.newPage());
  return {
    browser,
    tabs,
    close: async () => {
      await ctx.close();
      await closeBrowser(browser);
    },
  };
}

export interface HostileSite extends HostileBrowser {
  db: Db;
  /** Where each message of the sample was stored, by its index in the sample. */
  located: Map<number, Located>;
  server: TestServer;
}

/** A store already ingested, served, read, and browsed with recording tabs; close() ends it all. */
export async function hostileSite(
  dir: string,
  inbox: string,
  sample: Buffer[],
  tabCount: number,
): Promise<HostileSite> {
  const { db } = openReader(dir);
  const located = locateMessages(db, inbox, sample);
  const server = await startServer(dir);
  const browsing = await hostileBrowser(server.url, tabCount);
  return {
    ...browsing,
    db,
    located,
    server,
    close: async () => {
      await browsing.close();
      await server.close();
      db.close();
    },
  };
}

// ---------------------------------------------------------------------------------------------
// HTML as a browser shows it

/** Windows-1252 meanings the HTML standard gives numeric references &#128; .. &#159;. */
const C1_REMAP: Record<number, number> = {
  0x80: 0x20ac,
  0x82: 0x201a,
  0x83: 0x0192,
  0x84: 0x201e,
  0x85: 0x2026,
  0x86: 0x2020,
  0x87: 0x2021,
  0x88: 0x02c6,
  0x89: 0x2030,
  0x8a: 0x0160,
  0x8b: 0x2039,
  0x8c: 0x0152,
  0x8e: 0x017d,
  0x91: 0x2018,
  0x92: 0x2019,
  0x93: 0x201c,
  0x94: 0x201d,
  0x95: 0x2022,
  0x96: 0x2013,
  0x97: 0x2014,
  0x98: 0x02dc,
  0x99: 0x2122,
  0x9a: 0x0161,
  0x9b: 0x203a,
  0x9c: 0x0153,
  0x9e: 0x017e,
  0x9f: 0x0178,
};
const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };

/**
 * Character references decoded as the HTML standard does it (numeric ones with its replacements:
 * &#0; and surrogates and values past U+10FFFF become U+FFFD, &#128;..&#159; the Windows-1252
 * characters). Named references other than the few lorekeeper could write are refused, so the
 * decoder never guesses.
 */
export function decodeEntities(s: string): string {
  return s.replace(
    /&(?:#(\d+)|#[xX]([0-9a-fA-F]+)|([A-Za-z][A-Za-z0-9]*));?/g,
    (m, dec?: string, hex?: string, name?: string) => {
      if (name !== undefined) {
        const v = NAMED[name];
        if (v === undefined || !m.endsWith(';')) throw new Error(`decodeEntities: named reference ${m} not handled`);
        return v;
      }
      if (!m.endsWith(';')) throw new Error(`decodeEntities: unterminated reference ${m}`);
      const n = dec !== undefined ? Number(dec) : parseInt(hex!, 16);
      if (n === 0 || n > 0x10ffff || (n >= 0xd800 && n <= 0xdfff)) return '\ufffd';
      return String.fromCodePoint(C1_REMAP[n] ?? n);
    },
  );
}

/** The text of a fragment of our HTML as a <pre> shows it: tags dropped, references decoded. */
export function htmlText(html: string): string {
  if (/<(?:script|style|textarea|title|!--)/i.test(html))
    throw new Error('htmlText: raw-text elements or comments are not handled');
  return decodeEntities(html.replace(/<[^>]*>/g, '')).replace(/\r\n?/g, '\n');
}

/** The `git send-email ... /path/to/YOUR_REPLY` command in the text of reply instructions. */
export const sendEmailIn = (text: string): string | undefined =>
  /git send-email[\s\S]*?\/path\/to\/YOUR_REPLY/.exec(text)?.[0];

/** The command of a message page's reply section (#R), as shown. */
export function sendEmailCommand(pageHtml: string): string | undefined {
  const pre = /<pre\s+id=R>([\s\S]*?)<\/pre>/.exec(pageHtml)?.[1];
  return pre === undefined ? undefined : sendEmailIn(htmlText(pre));
}

/**
 * The arguments a reply command is meant to pass, unquoted: `send-email`, --in-reply-to, --to,
 * every --cc and --subject with the values computeReply chose (C0 and C1 control characters, which a command
 * line cannot carry, as spaces, as shellQuote documents), and the file to send.
 */
export function intendedArgv(reply: Reply): string[] {
  const v = (s: string) => s.replace(/[\x00-\x1f\x7f-\x9f]/g, ' ');
  return [
    'send-email',
    `--in-reply-to=${v(reply.inReplyTo)}`,
    ...(reply.to !== '' ? [`--to=${v(reply.to)}`] : []),
    ...reply.cc.map((c) => `--cc=${v(c)}`),
    `--subject=${v(reply.subject)}`,
    '/path/to/YOUR_REPLY',
  ];
}

// ---------------------------------------------------------------------------------------------
// A real shell

export type Shell = 'bash' | 'dash' | 'bash-interactive';

export interface Paste {
  /** Every run of `git`, each its argv (without argv[0]). */
  calls: string[][];
  stdout: string;
  stderr: string;
  status: number | null;
  signal: NodeJS.Signals | null;
  /** Files other than the recorder and its record found afterwards in the sandbox. */
  strayFiles: string[];
}

const RECORDER = `#!/bin/sh
# records one run: its argument count, then each argument, NUL-terminated
{ printf '%s\\0' "$#"; for a in "$@"; do printf '%s\\0' "$a"; done; } >>"$LK_RECORD"
`;

/**
 * A sandbox for pasting commands: PATH holds only a \`git\` that records its arguments; HOME and the
 * working directory are empty directories of their own; everything is checked afterwards.
 */
export class ShellSandbox {
  readonly root: string;
  readonly bin: string;
  /** Batches of pasteEach whose run was not clean, so that their commands were pasted again one by one. */
  retriedBatches = 0;
  private n = 0;

  constructor() {
    this.root = tempDir('lk-paste-');
    this.bin = join(this.root, 'bin');
    mkdirSync(this.bin);
    writeFileSync(join(this.bin, 'git'), RECORDER);
    chmodSync(join(this.bin, 'git'), 0o755);
  }

  /**
   * Run `command` as if pasted into `shell`, in a fresh HOME and working directory; a shell still
   * running after `timeoutMs` is killed (SIGKILL, reported as the paste's signal).
   */
  async paste(shell: Shell, command: string, timeoutMs = 20_000): Promise<Paste> {
    const run = join(this.root, `run-${this.n++}`);
    const home = join(run, 'home');
    const cwd = join(run, 'cwd');
    const record = join(run, 'record');
    mkdirSync(home, { recursive: true });
    mkdirSync(cwd);
    mkdirSync(record);
    const recordFile = join(record, 'argv');
    const env: Record<string, string> = {
      PATH: this.bin,
      HOME: home,
      LK_RECORD: recordFile,
      LC_ALL: 'C.UTF-8',
      PS1: '',
      PS2: '',
      TERM: 'dumb',
      HISTFILE: '',
    };
    let file: string;
    let args: string[];
    let input = '';
    if (shell === 'bash') [file, args] = ['/bin/bash', ['--noprofile', '--norc', '-c', command]];
    else if (shell === 'dash') [file, args] = ['/bin/sh', ['-c', command]];
    else {
      // typed (pasted) into an interactive bash: history expansion (!) is on there, and an
      // expanded line is echoed to stderr (without readline, which would echo every line)
      [file, args] = ['/bin/bash', ['--noprofile', '--norc', '--noediting', '-i']];
      input = `${command}\nexit $?\n`;
    }
    const result = await new Promise<{
      stdout: string;
      stderr: string;
      status: number | null;
      signal: NodeJS.Signals | null;
    }>((resolve, reject) => {
      const child = spawn(file, args, { cwd, env, stdio: [input ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
      child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      child.on('error', reject);
      child.on('close', (status, signal) => {
        clearTimeout(timer);
        resolve({ stdout, stderr, status, signal });
      });
      if (child.stdin) {
        child.stdin.on('error', () => undefined); // a shell that exits early closes it
        child.stdin.end(input);
      }
    });
    let stderr = result.stderr;
    if (shell === 'bash-interactive') {
      // what an interactive bash without a terminal says about itself, and its "exit"
      stderr = stderr
        .replace(/^bash: cannot set terminal process group \(-?\d+\): Inappropriate ioctl for device\n/m, '')
        .replace(/^bash: no job control in this shell\n/m, '')
        .replace(/^exit\n$/m, '');
    }
    const calls: string[][] = [];
    if (existsSync(recordFile)) {
      const parts = readFileSync(recordFile, 'utf8').split('\0');
      parts.pop(); // after the last NUL
      for (let i = 0; i < parts.length;) {
        const count = Number(parts[i++]);
        calls.push(parts.slice(i, i + count));
        i += count;
      }
    }
    const strayFiles = listFiles(run).filter((f) => f !== 'record/argv');
    rmSync(run, { recursive: true, force: true });
    // (other pastes may be running meanwhile, in their own run-N directories)
    const extra = listFiles(this.root).filter((f) => f !== 'bin/git' && !/^run-\d+\//.test(f));
    return {
      calls,
      stdout: result.stdout,
      stderr,
      status: result.status,
      signal: result.signal,
      strayFiles: [...strayFiles, ...extra.map((f) => `(sandbox) ${f}`)],
    };
  }

  /**
   * Paste many commands into one run of `shell`, each followed by a line recording its exit status in
   * the recorder's format with the shell's own printf (no process: half the recorder's runs otherwise),
   * and split what was recorded back into one Paste per command. Unless that
   * run is clean (no output, exit 0, no file left, the records one part per command, each closed by
   * its status) every command is pasted again on its own, so that each problem found is its own.
   */
  async pasteEach(shell: Shell, commands: string[]): Promise<Paste[]> {
    // (a batch takes well under a second; the time allowed covers a machine other work keeps busy)
    const run = await this.paste(shell, commands.map((c) => `${c}\n${STATUS_LINE}`).join('\n'), 60_000);
    const each: Paste[] = [];
    let calls: string[][] = [];
    for (const call of run.calls) {
      if (call[0] !== STATUS_MARK) calls.push(call);
      else {
        const status = Number(call[1]);
        each.push({ calls, stdout: '', stderr: '', status, signal: null, strayFiles: [] });
        calls = [];
      }
    }
    const clean = run.stdout === '' && run.stderr === '' && run.status === 0 && !run.strayFiles.length && !calls.length;
    if (clean && each.length === commands.length) return each;
    this.retriedBatches++;
    const alone: Paste[] = [];
    for (const c of commands) alone.push(await this.paste(shell, c));
    return alone;
  }

  close(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}

/** pasteEach's line after each command records this mark and the command's exit status, as the recorder would. */
const STATUS_MARK = '__lk_status';
const STATUS_LINE = `printf '2\\0${STATUS_MARK}\\0%s\\0' "$?" >>"$LK_RECORD"`;

/** Every file and directory under `dir` but the empty home, cwd and record directories, relative. */
function listFiles(dir: string, rel = ''): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(dir, rel))) {
    const r = rel ? `${rel}/${name}` : name;
    if (statSync(join(dir, r)).isDirectory()) {
      const inner = listFiles(dir, r);
      if (inner.length || !/^(?:home|cwd|record|bin)$/.test(r)) out.push(...(inner.length ? inner : [`${r}/`]));
    } else out.push(r);
  }
  return out;
}
