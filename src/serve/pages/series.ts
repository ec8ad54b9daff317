// The series page /NAME/MID/series/ (views/series.hbs): versions, where the series and each patch
// stand (and where a patch landed), cover letter, patches with diffstats, the trailer ledger
// (reviewer by patch), and interdiffs against an earlier version.
import { render } from '../templates.js';
import { frame, type Frame } from './frame.js';
import { fmtTs } from '../../html/dates.js';

import { renderUnifiedDiff } from '../../html/diff-html.js';
import { midHref } from '../../html/mid-path.js';
import type { Html } from '../../html/html.js';
import { parsePatchSubject } from '../../mail/subject.js';
import { interdiff } from '../../series/interdiff.js';
import { bodyOf, loadMessage } from './loaded-message.js';
import { checksView, type ChecksView } from './checks.js';
import {
  SeriesModel,
  applicable,
  versionLabel,
  type PatchView,
  type SeriesContext,
  type TrailerView,
  type VersionView,
} from './series-model.js';
import type { SeriesRow } from '../../store/series-reader.js';
import type { PatchState } from '../../store/patch-states.js';
import { stateSummary } from './series-list.js';

/** Review trailers in the ledger, with the letter each is shown as. */
const LEDGER: Record<string, string> = {
  'reviewed-by': 'R',
  'acked-by': 'A',
  'tested-by': 'T',
  'nacked-by': 'N',
  'reported-by': 'Rp',
  'suggested-by': 'S',
};

/** Columns of +/- a diffstat line may use, scaled down as git scales them. */
const GRAPH_WIDTH = 50;
/** An interdiff longer than this is cut: past it, the patches are better read side by side. */
const INTERDIFF_MAX_LINES = 600;

interface SeriesPage {
  frame: Frame;
  title: string;
  author: string;
  authorAddr: string;
  date: string;
  state: string;
  /** Where the series stands, from its patches, and the list of the series in that state. */
  lifecycle?: { state: string; text: string; href: string };
  baseCommit: string | null;
  changeId: string | null;
  versions: { label: string; href?: string }[];
  earlier: { version: number; label: string }[];
  cover?: { href: string; body: Html };
  patches: {
    line: string;
    href: string;
    title: string;
    notes: string;
    state: string;
    diffstat: string;
    checks?: ChecksView;
  }[];
  missing: string[];
  ledger?: { counters: number[]; rows: { who: string; marks: string[] }[] };
  interdiff?: {
    title: string;
    against: string;
    patches: { title: string; absent?: string; diff?: Html; cut?: { rest: number; older: string; newer: string } }[];
  };
}

/**
 * A patch's state as its line says it: who set it and when, or where it landed (the commit, and
 * `same subject and author` when the weaker rule found it).
 */
export function patchStateText(st: PatchState | undefined): string {
  if (!st) return '';
  const by = st.automatic ? '' : ` (set by ${st.setBy} on ${fmtTs(st.setAt ?? 0)} UTC)`;
  const landed = st.commit
    ? `, in ${st.repo} ${st.branch?.replace(/^refs\/heads\//, '')} as ${st.commit.slice(0, 12)}` +
      (st.how === 'subject-author' ? ' (same subject and author; the patch was edited)' : '')
    : '';
  return `${st.state}${by}${landed}`;
}

function diffstat(p: PatchView): string {
  if (!p.files.length) return '';
  const width = Math.max(...p.files.map((f) => f.path.length));
  const most = Math.max(...p.files.map((f) => f.added + f.removed));
  const scale = (n: number) => (most <= GRAPH_WIDTH || n === 0 ? n : Math.max(1, Math.round((n * GRAPH_WIDTH) / most)));
  const lines = p.files.map(
    (f) =>
      `      ${f.path.padEnd(width)} | ${String(f.added + f.removed).padStart(4)} ` +
      `${'+'.repeat(scale(f.added))}${'-'.repeat(scale(f.removed))}`,
  );
  const added = p.files.reduce((n, f) => n + f.added, 0);
  const removed = p.files.reduce((n, f) => n + f.removed, 0);
  const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;
  return (
    `${lines.join('\n')}\n      ${plural(p.files.length, 'file', 'files')} changed, ` +
    `${plural(added, 'insertion', 'insertions')}(+), ${plural(removed, 'deletion', 'deletions')}(-)\n`
  );
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

function ledger(v: VersionView): SeriesPage['ledger'] {
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
  if (!people.size) return undefined;
  return {
    counters: v.patches.map((p) => p.counter),
    rows: [...people].map(([who, row]) => ({
      who,
      marks: v.patches.map((p) => (row.get(p.counter) ?? ['.']).join(',')),
    })),
  };
}

function interdiffs(model: SeriesModel, s: SeriesRow, v: VersionView, against: VersionView): SeriesPage['interdiff'] {
  const was = versionLabel(against.series.version);
  const byTitle = new Map(against.patches.map((o) => [parsePatchSubject(o.subject).title, o]));
  return {
    title: `Interdiff ${was} .. ${versionLabel(s.version)}`,
    against: was,
    patches: v.patches.map((p) => {
      const title = `${p.counter}/${s.total} ${parsePatchSubject(p.subject).title}`;
      const old =
        against.patches.find((o) => o.patchId && o.patchId === p.patchId) ??
        byTitle.get(parsePatchSubject(p.subject).title) ??
        against.patches.find((o) => o.counter === p.counter);
      if (!old) return { title, absent: `(no ${was} counterpart)` };
      const d = interdiff(
        model.body(old.num),
        model.body(p.num),
        `${was} ${old.counter}/${against.series.total}`,
        `${versionLabel(s.version)} ${p.counter}/${s.total}`,
      );
      if (!d) return { title, absent: `unchanged since ${was}` };
      const lines = d.split('\n');
      if (lines.length <= INTERDIFF_MAX_LINES) return { title, diff: renderUnifiedDiff(d) };
      return {
        title,
        diff: renderUnifiedDiff(lines.slice(0, INTERDIFF_MAX_LINES).join('\n') + '\n'),
        cut: { rest: lines.length - INTERDIFF_MAX_LINES, older: midHref(old.messageId), newer: midHref(p.messageId) },
      };
    }),
  };
}

export function seriesPage(c: SeriesContext, s: SeriesRow, vs: number | undefined): string {
  const model = new SeriesModel(c.site);
  const chain = model.chain(s, (x) => x.id === s.id);
  const v = chain.find((x) => x.series.id === s.id)!;
  const up = `../../${midHref(s.mid)}/`;
  const coverMessage = s.coverNum !== null ? loadMessage(c.site, s.coverNum) : undefined;
  const against =
    vs !== undefined ? chain.find((x) => x.series.version === vs && x.series.version < s.version) : undefined;
  const reviews = `${s.reviews} review trailer${s.reviews === 1 ? '' : 's'} from replies`;
  const checks = c.site.series.checks(v.patches.map((p) => p.num));
  const lifecycle = c.site.series.seriesStates([s.id]).get(s.id);
  const page: SeriesPage = {
    frame: frame(c.inbox, '../../', {
      title: `[PATCH ${versionLabel(s.version)}] ${s.title} - series`,
      atomHref: '../series.atom',
    }),
    title: `[PATCH ${versionLabel(s.version)} 0/${s.total}] ${s.title}`,
    author: s.author,
    authorAddr: s.authorAddr,
    date: fmtTs(s.ds),
    state:
      `${s.present}/${s.total} patches${s.complete ? ', complete' : `, missing ${v.missing.join(', ')}`}` +
      `${s.rfc ? ', RFC' : ''}${s.resend ? ', RESEND' : ''}; ${reviews}`,
    lifecycle: lifecycle && {
      state: lifecycle.state,
      text: stateSummary(lifecycle),
      href: `../../series/?state=${lifecycle.state}`,
    },
    baseCommit: s.baseCommit,
    changeId: s.changeId,
    versions: chain.map((x) => ({
      label: versionLabel(x.series.version),
      href: x.series.id === s.id ? undefined : `../../${midHref(x.series.mid)}/series/`,
    })),
    earlier: chain
      .filter((x) => x.series.version < s.version)
      .map((x) => ({ version: x.series.version, label: versionLabel(x.series.version) })),
    cover: coverMessage && { href: up, body: bodyOf(coverMessage, up) },
    patches: v.patches.map((p) => {
      const counts = Object.entries(LEDGER)
        .slice(0, 3)
        .map(([name, letter]) => {
          const n = p.trailers.filter((t) => applicable(t) && t.name.toLowerCase() === name).length;
          return `${letter}:${n}`;
        })
        .join(' ');
      const since = p.unchangedSince !== undefined ? `  unchanged since ${versionLabel(p.unchangedSince)}` : '';
      const from = p.fromVersion !== null ? `  (from ${versionLabel(p.fromVersion)})` : '';
      return {
        line: `${String(p.counter).padStart(3)}/${s.total}`,
        href: midHref(p.messageId),
        title: parsePatchSubject(p.subject).title,
        notes: `  ${counts}${since}${from}`,
        state: patchStateText(p.state),
        diffstat: diffstat(p),
        checks: checksView(checks.get(p.num)),
      };
    }),
    missing: v.missing.map((n) => `${String(n).padStart(3)}/${s.total}`),
    ledger: ledger(v),
    interdiff: against && interdiffs(model, s, v, against),
  };
  return render('series', page);
}
