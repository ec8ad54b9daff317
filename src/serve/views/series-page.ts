// The series of a message, in every form: a page (versions, cover letter, patches with diffstats,
// the trailer ledger, interdiffs against an earlier version), series.json, an am-ready
// series.mbox, and a feed of new versions, trailers and replies.
import { render } from '../templates.js';
import { frame } from './frame.js';
import { asciiHtml } from '../html/escape.js';
import { fmtTs, isoTs } from '../html/dates.js';
import { renderBody } from '../html/body-html.js';
import { renderUnifiedDiff } from '../html/diff-html.js';

import { parsePatchSubject } from '../../mail/subject.js';
import { amMbox } from '../../series/am-mbox.js';
import { interdiff } from '../../series/interdiff.js';
import { loadMessage } from './message-page.js';
import { toUuid } from './atom-feed.js';
import { SeriesModel, type PatchView, type VersionView, type TrailerView } from './series-model.js';
import type { SeriesRow } from '../../store/series-reader.js';
import type { InboxView, Site } from '../site.js';
import { midPath } from '../html/mid-path.js';

const href = midPath;
const versionLabel = (v: number) => `v${v}`;
/** Review trailers in the ledger, with the letter each is shown as. */
const LEDGER: Record<string, string> = {
  'reviewed-by': 'R',
  'acked-by': 'A',
  'tested-by': 'T',
  'nacked-by': 'N',
  'reported-by': 'Rp',
  'suggested-by': 'S',
};

export interface SeriesContext {
  site: Site;
  inbox: InboxView;
}

/** The series a message belongs to, in this inbox, or undefined. */
export function seriesOf(c: SeriesContext, mid: string): SeriesRow | undefined {
  const m = c.site.reader.messageByMid(mid, c.inbox.scope);
  return m ? c.site.series.forMessage(m.num, m.tid, m.inboxId) : undefined;
}

const applicable = (t: TrailerView) => t.matched;

/** Columns of +/- a diffstat line may use, scaled down as git scales them. */
const GRAPH_WIDTH = 50;

function diffstat(p: PatchView): string {
  if (!p.files.length) return '';
  const width = Math.max(...p.files.map((f) => f.path.length));
  const most = Math.max(...p.files.map((f) => f.added + f.removed));
  const scale = (n: number) => (most <= GRAPH_WIDTH || n === 0 ? n : Math.max(1, Math.round((n * GRAPH_WIDTH) / most)));
  const lines = p.files.map(
    (f) =>
      `      ${asciiHtml(f.path.padEnd(width))} | ${String(f.added + f.removed).padStart(4)} ${'+'.repeat(scale(f.added))}${'-'.repeat(scale(f.removed))}`,
  );
  const added = p.files.reduce((n, f) => n + f.added, 0);
  const removed = p.files.reduce((n, f) => n + f.removed, 0);
  return `${lines.join('\n')}\n      ${p.files.length} file${p.files.length === 1 ? '' : 's'} changed, ${added} insertion${added === 1 ? '' : 's'}(+), ${removed} deletion${removed === 1 ? '' : 's'}(-)\n`;
}

/** A trailer's mark in the ledger: upper case when given in a reply, lower case when in the patch as sent. */
function mark(t: TrailerView): string | undefined {
  const letter = LEDGER[t.name.toLowerCase()];
  if (!letter) return undefined;
  return (
    (t.source === 'patch' ? letter.toLowerCase() : letter) +
    (t.source === 'carried' ? 'c' : '') +
    (t.matched ? '' : '?')
  );
}

function ledger(v: VersionView): string {
  const people = new Map<string, Map<number, string[]>>();
  for (const p of v.patches) {
    for (const t of p.trailers) {
      const m = mark(t);
      if (!m) continue;
      const who = t.value.replace(/\s*#.*$/, '');
      const row = people.get(who) ?? new Map<number, string[]>();
      row.set(p.counter, [...(row.get(p.counter) ?? []), m]);
      people.set(who, row);
    }
  }
  if (!people.size) return '<pre>No Reviewed-by, Acked-by, Tested-by or other review trailers yet.</pre>';
  const head = v.patches.map((p) => `<th>${p.counter}</th>`).join('');
  const rows = [...people].map(
    ([who, row]) =>
      `<tr><th>${asciiHtml(who)}</th>${v.patches.map((p) => `<td>${asciiHtml((row.get(p.counter) ?? ['.']).join(','))}</td>`).join('')}</tr>`,
  );
  return (
    `<table\nclass=series><tr><th>reviewer \\ patch</th>${head}</tr>\n${rows.join('\n')}</table>` +
    '<pre>R reviewed, A acked, T tested, N nacked, Rp reported, S suggested: given in a reply (lower case: already in the patch as sent);\n' +
    'c: carried over from an earlier version of the unchanged patch;\n' +
    "?: the trailer does not name the reply's sender, so it is not applied (as b4 leaves it out)</pre>"
  );
}

/** An interdiff longer than this is cut: past it, the patches are better read side by side. */
const INTERDIFF_MAX_LINES = 600;

function renderInterdiff(d: string, oldMid: string, newMid: string): string {
  const lines = d.split('\n');
  if (lines.length <= INTERDIFF_MAX_LINES) return renderUnifiedDiff(d);
  const rest = lines.length - INTERDIFF_MAX_LINES;
  return (
    renderUnifiedDiff(lines.slice(0, INTERDIFF_MAX_LINES).join('\n') + '\n') +
    `  [${rest} more lines of interdiff: the versions differ too much for it to help; read the <a\nhref="../../${href(oldMid)}/">older</a> and <a\nhref="../../${href(newMid)}/">newer</a> patch]\n`
  );
}

export function seriesPage(c: SeriesContext, s: SeriesRow, vs: number | undefined): string {
  const model = new SeriesModel(c.site);
  const chain = model.chain(s, (x) => x.id === s.id);
  const v = chain.find((x) => x.series.id === s.id)!;
  const up = `../../${href(s.mid)}`;
  let top = `<b>${asciiHtml(`[PATCH ${versionLabel(s.version)} 0/${s.total}] ${s.title}`)}</b>\n`;
  top += `From: ${asciiHtml(s.author)} &lt;${asciiHtml(s.authorAddr)}&gt; @ ${fmtTs(s.ds)} UTC\n`;
  top += `${s.present}/${s.total} patches${s.complete ? ', complete' : `, missing ${v.missing.join(', ')}`}${s.rfc ? ', RFC' : ''}${s.resend ? ', RESEND' : ''}; ${s.reviews} review trailer${s.reviews === 1 ? '' : 's'} from replies\n`;
  if (s.baseCommit) top += `base-commit: ${asciiHtml(s.baseCommit)}\n`;
  if (s.changeId) top += `change-id: ${asciiHtml(s.changeId)}\n`;
  top +=
    'versions: ' +
    chain
      .map((x) =>
        x.series.id === s.id
          ? `<b>${versionLabel(x.series.version)}</b>`
          : `<a\nhref="../../${href(x.series.mid)}/series/">${versionLabel(x.series.version)}</a>`,
      )
      .join(' ') +
    '\n';
  top += `download: <a\nhref="../series.mbox">series.mbox</a> (git am, trailers applied) | <a\nhref="../series.json">series.json</a> | <a\nhref="../series.atom">series.atom</a> | <a\nhref="../t.mbox.gz">thread mbox.gz</a>\n`;
  const earlier = chain.filter((x) => x.series.version < s.version);
  if (earlier.length)
    top +=
      'interdiff against: ' +
      earlier
        .map((x) => `<a\nhref="?vs=${x.series.version}#interdiff">${versionLabel(x.series.version)}</a>`)
        .join(' ') +
      '\n';

  let coverHtml = '';
  if (s.coverNum !== null) {
    const m = loadMessage(c.site, s.coverNum);
    if (m)
      coverHtml = `<hr><pre><b>Cover letter</b> (<a\nhref="${up}/">message</a>)\n\n${renderBody(m.doc.parts, m.raw, `${up}/`)}</pre>`;
  }

  let patches = '<hr><pre><b>Patches</b>\n';
  for (const p of v.patches) {
    const counts = Object.entries(LEDGER)
      .slice(0, 3)
      .map(
        ([name, letter]) =>
          `${letter}:${p.trailers.filter((t) => applicable(t) && t.name.toLowerCase() === name).length}`,
      )
      .join(' ');
    const since = p.unchangedSince !== undefined ? `  unchanged since ${versionLabel(p.unchangedSince)}` : '';
    const from = p.fromVersion !== null ? `  (from ${versionLabel(p.fromVersion)})` : '';
    patches += `${String(p.counter).padStart(3)}/${s.total} <a\nhref="../../${href(p.messageId)}/">${asciiHtml(parsePatchSubject(p.subject).title)}</a>  ${counts}${since}${from}\n${diffstat(p)}`;
  }
  for (const n of v.missing) patches += `${String(n).padStart(3)}/${s.total} [not found]\n`;
  patches += '</pre>';

  let interdiffs = '';
  const against =
    vs !== undefined ? chain.find((x) => x.series.version === vs && x.series.version < s.version) : undefined;
  if (against) {
    const byTitle = new Map(against.patches.map((o) => [parsePatchSubject(o.subject).title, o]));
    interdiffs = `<hr><pre\nid=interdiff><b>Interdiff ${versionLabel(against.series.version)} .. ${versionLabel(s.version)}</b> (each patch against the ${versionLabel(against.series.version)} patch with the same patch-id, else the same subject, else the same number)\n`;
    for (const p of v.patches) {
      const old =
        against.patches.find((o) => o.patchId && o.patchId === p.patchId) ??
        byTitle.get(parsePatchSubject(p.subject).title) ??
        against.patches.find((o) => o.counter === p.counter);
      interdiffs += `\n<b>${p.counter}/${s.total} ${asciiHtml(parsePatchSubject(p.subject).title)}</b>\n`;
      if (!old) interdiffs += `  (no ${versionLabel(against.series.version)} counterpart)\n`;
      else {
        const d = interdiff(
          model.body(old.num),
          model.body(p.num),
          `${versionLabel(against.series.version)} ${old.counter}/${against.series.total}`,
          `${versionLabel(s.version)} ${p.counter}/${s.total}`,
        );
        interdiffs += d
          ? renderInterdiff(d, old.messageId, p.messageId)
          : `  unchanged since ${versionLabel(against.series.version)}\n`;
      }
    }
    interdiffs += '</pre>';
  }
  return render('series', {
    frame: frame(c.inbox, '../../', {
      title: `[PATCH ${versionLabel(s.version)}] ${s.title} - series`,
      atomHref: '../series.atom',
    }),
    topHtml: top,
    coverHtml,
    patchesHtml: patches,
    ledgerHtml: ledger(v),
    interdiffHtml: interdiffs,
  });
}

/** series.json: every version of the chain, each patch with the trailers b4 would apply. */
export function seriesJson(c: SeriesContext, s: SeriesRow): object {
  const chain = new SeriesModel(c.site).chain(s);
  const trailer = (t: TrailerView) => ({
    name: t.name,
    value: t.value,
    messageId: t.messageId,
    source: t.source,
    ...(t.carriedFrom !== undefined ? { carriedFrom: t.carriedFrom } : {}),
  });
  return {
    title: s.title,
    versions: chain.map((v) => ({
      version: v.series.version,
      cover: v.coverId,
      total: v.series.total,
      complete: v.series.complete,
      missing: v.missing,
      rfc: v.series.rfc,
      author: { name: v.series.author, email: v.series.authorAddr },
      date: isoTs(v.series.ds),
      baseCommit: v.series.baseCommit,
      changeId: v.series.changeId,
      patches: v.patches.map((p) => ({
        index: p.counter,
        messageId: p.messageId,
        subject: p.subject,
        patchId: p.patchId,
        ...(p.unchangedSince !== undefined ? { unchangedSince: p.unchangedSince } : {}),
        ...(p.fromVersion !== null ? { fromVersion: p.fromVersion } : {}),
        trailers: p.trailers.filter(applicable).map(trailer),
        unmatchedTrailers: p.trailers.filter((t) => !applicable(t)).map(trailer),
      })),
    })),
  };
}

/** series.mbox: the version as `b4 am` writes it, collected trailers applied. */
export function seriesMbox(c: SeriesContext, s: SeriesRow): Buffer {
  const model = new SeriesModel(c.site);
  const v = model.chain(s, (x) => x.id === s.id).find((x) => x.series.id === s.id)!;
  return amMbox(
    v.patches.map((p) => {
      const m = loadMessage(c.site, p.num)!;
      const tag = parsePatchSubject(p.subject);
      return {
        subject: p.subject,
        from: m.doc.h.from?.[0] ?? '',
        date: m.doc.h.date?.[0] ?? '',
        messageId: p.messageId,
        body: model.body(p.num),
        trailers: p.trailers
          .filter((t) => applicable(t) && t.source !== 'patch')
          .map((t) => ({ name: t.name, value: t.value })),
        tag: {
          rfc: tag.rfc,
          version: s.version,
          versionGiven: !tag.versionInferred || s.version !== 1,
          counter: p.counter,
          total: s.total,
          numbered: !tag.counterInferred,
        },
      };
    }),
  );
}

/** series.atom: new versions, new trailers and new replies across the chain, newest first. */
export function seriesAtom(c: SeriesContext, s: SeriesRow, base: string): string {
  const chain = c.site.series.chain(s);
  interface Item {
    ts: number;
    mid: string;
    title: string;
    summary: string;
  }
  const items: Item[] = [];
  for (const v of chain) {
    items.push({
      ts: v.ds,
      mid: v.mid,
      title: `[${versionLabel(v.version)}] new version: ${v.title}`,
      summary: `${v.present}/${v.total} patches by ${v.author}`,
    });
    for (const t of c.site.series.trailers(v.id)) {
      const m = c.site.reader.message(t.fromNum);
      if (m)
        items.push({
          ts: m.ts,
          mid: t.fromMid,
          title: `[${versionLabel(v.version)}] ${t.name}: ${t.value}`,
          summary: `on ${t.counter === 0 ? 'the cover letter' : `patch ${t.counter}/${v.total}`}`,
        });
    }
    const thread = c.site.reader.threadInArrivalOrder(c.site.reader.message(v.firstNum)!, c.inbox.scope, false);
    const own = new Set([v.firstNum, ...c.site.series.patches(v.id).map((p) => p.num)]);
    for (const r of thread)
      if (!own.has(r.num))
        items.push({
          ts: r.ts,
          mid: r.mid,
          title: `[${versionLabel(v.version)}] reply: ${r.subject}`,
          summary: `from ${r.fromNames}`,
        });
  }
  items.sort((a, b) => b.ts - a.ts);
  const entries = items
    .slice(0, 100)
    .map(
      (i) =>
        `<entry><title>${asciiHtml(i.title)}</title><updated>${isoTs(i.ts)}</updated><link\nhref="${base}${href(i.mid)}/"/>` +
        `<id>${toUuid(`${i.title}\n${i.mid}`)}</id><summary>${asciiHtml(i.summary)}</summary></entry>`,
    )
    .join('');
  const self = `${base}${href(s.mid)}/series.atom`;
  return (
    '<?xml version="1.0" encoding="us-ascii"?>\n<feed\nxmlns="http://www.w3.org/2005/Atom">' +
    `<title>${asciiHtml(`series: ${s.title}`)}</title><link\nrel="alternate"\ntype="text/html"\nhref="${base}${href(s.mid)}/series/"/>` +
    `<link\nrel="self"\nhref="${self}"/><id>${toUuid(`series\n${chain[0].mid}`)}</id><updated>${isoTs(items[0]?.ts ?? s.ts)}</updated>${entries}</feed>`
  );
}

/** /NAME/series/: series by latest activity, 50 a page, paged with ?t=. */
export function seriesListPage(c: SeriesContext, before: number | undefined): { status: number; html: string } {
  const PAGE = 50;
  const rows = c.site.series.list(c.inbox.scope, before ?? Number.MAX_SAFE_INTEGER, PAGE + 1);
  const more = rows.length > PAGE;
  const shown = rows.slice(0, PAGE);
  const chainSizes = new Map<number, number>();
  let html = '';
  for (const s of shown) {
    if (!chainSizes.has(s.chain)) chainSizes.set(s.chain, c.site.series.chain(s).length);
    const versions = chainSizes.get(s.chain)!;
    html += `${fmtTs(s.ts)} <a\nhref="../${href(s.mid)}/series/">${asciiHtml(`[${versionLabel(s.version)}] ${s.title}`)}</a>\n`;
    html += `                 ${asciiHtml(s.author)}, ${s.present}/${s.total}${s.complete ? '' : ' incomplete'}${s.rfc ? ' RFC' : ''}, ${s.reviews} review${s.reviews === 1 ? '' : 's'}${versions > 1 ? `, ${versions} versions` : ''}\n`;
  }
  const next = more
    ? `<hr><pre>page: <a\nhref="?t=${shown[shown.length - 1].ts - 1}"\nrel=next>next (older)</a>${before !== undefined ? ' | <a\nhref="./">latest</a>' : ''}</pre>`
    : '';
  return {
    status: shown.length ? 200 : 404,
    html: render('series-list', {
      frame: frame(c.inbox, '../', { title: `patch series - ${c.inbox.description}` }),
      listHtml: shown.length ? html : '[no patch series]',
      paginationHtml: next,
    }),
  };
}
