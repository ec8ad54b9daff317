// series.atom (views/series-atom.hbs): new versions, new trailers, new replies and CI checks across
// a series' chain, newest first.
import { render } from '../templates.js';
import { isoTs } from '../../html/dates.js';
import { midHref } from '../../html/mid-path.js';
import { toUuid } from './atom.js';
import { versionLabel, type SeriesContext } from './series-model.js';
import type { SeriesRow } from '../../store/series-reader.js';

/** Entries a feed carries at most. */
const FEED_ENTRIES = 100;

interface Item {
  ts: number;
  mid: string;
  title: string;
  summary: string;
}

export function seriesAtom(c: SeriesContext, s: SeriesRow, base: string): string {
  const chain = c.site.series.chain(s);
  const items: Item[] = [];
  for (const v of chain) {
    const label = versionLabel(v.version);
    items.push({
      ts: v.ds,
      mid: v.mid,
      title: `[${label}] new version: ${v.title}`,
      summary: `${v.present}/${v.total} patches by ${v.author}`,
    });
    for (const t of c.site.series.trailers(v.id)) {
      const m = c.site.reader.message(t.fromNum);
      if (m) {
        items.push({
          ts: m.ts,
          mid: t.fromMid,
          title: `[${label}] ${t.name}: ${t.value}`,
          summary: `on ${t.counter === 0 ? 'the cover letter' : `patch ${t.counter}/${v.total}`}`,
        });
      }
    }
    const patches = c.site.series.patches(v.id);
    const checks = c.site.series.checks(patches.map((p) => p.num));
    for (const p of patches) {
      for (const k of checks.get(p.num) ?? []) {
        items.push({
          ts: k.date,
          mid: p.mid,
          title: `[${label}] check ${k.context}: ${k.state} on patch ${p.counter}/${v.total}`,
          summary: `${k.user}${k.description ? `: ${k.description}` : ''}${k.targetUrl ? ` (${k.targetUrl})` : ''}`,
        });
      }
    }
    const thread = c.site.reader.threadInArrivalOrder(c.site.reader.message(v.firstNum)!, c.inbox.scope, false);
    const own = new Set([v.firstNum, ...patches.map((p) => p.num)]);
    for (const r of thread) {
      if (!own.has(r.num)) {
        items.push({ ts: r.ts, mid: r.mid, title: `[${label}] reply: ${r.subject}`, summary: `from ${r.fromNames}` });
      }
    }
  }
  items.sort((a, b) => b.ts - a.ts);
  return render('series-atom', {
    title: `series: ${s.title}`,
    alternate: `${base}${midHref(s.mid)}/series/`,
    self: `${base}${midHref(s.mid)}/series.atom`,
    id: toUuid(`series\n${chain[0].mid}`),
    updated: isoTs(items[0]?.ts ?? s.ts),
    entries: items.slice(0, FEED_ENTRIES).map((i) => ({
      title: i.title,
      updated: isoTs(i.ts),
      href: `${base}${midHref(i.mid)}/`,
      id: toUuid(`${i.title}\n${i.mid}`),
      summary: i.summary,
    })),
  });
}
