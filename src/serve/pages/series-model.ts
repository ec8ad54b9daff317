// Everything a series page, its JSON, its mbox and its feed show, gathered from the store: the
// versions of the chain, each patch with its trailers (its own, from replies, from the cover
// letter, carried over from earlier versions of an unchanged patch) and where it last changed.
import { loadMessage, type LoadedMessage } from './loaded-message.js';
import { partTextOf } from '../../mail/message-doc.js';
import { diffFiles, type DiffFile } from '../../mail/diff.js';
import { bodyParts, sameTrailer } from '../../series/am-message.js';
import { b4Body } from '../../mail/b4-body.js';
import type { SeriesReader, SeriesRow, SeriesTrailerRow } from '../../store/series-reader.js';
import type { InboxView, Site } from '../site.js';
import type { PatchState } from '../../store/patch-states.js';

export interface SeriesContext {
  site: Site;
  inbox: InboxView;
}

/** The series a message belongs to, in this inbox, or undefined. */
export function seriesOf(c: SeriesContext, mid: string): SeriesRow | undefined {
  const m = c.site.reader.messageByMid(mid, c.inbox.scope);
  return m ? c.site.series.forMessage(m.num, m.tid, m.inboxId) : undefined;
}

export const versionLabel = (v: number) => `v${v}`;

/** The trailers b4 applies: those naming their reply's sender. */
export const applicable = (t: TrailerView) => t.matched;

export type TrailerSource = 'patch' | 'reply' | 'cover' | 'carried';

export interface TrailerView {
  name: string;
  value: string;
  /** The message it was written in. */
  messageId: string;
  /** It names its message's sender (always true for a patch's own trailers). */
  matched: boolean;
  source: TrailerSource;
  /** For carried trailers: the version of the unchanged patch they were given on. */
  carriedFrom?: number;
}

export interface PatchView {
  counter: number;
  num: number;
  messageId: string;
  subject: string;
  patchId: string | null;
  fromVersion: number | null;
  trailers: TrailerView[];
  files: DiffFile[];
  /** The earliest earlier version this patch is identical in (by patch-id), if it is. */
  unchangedSince?: number;
  /** Where it stands (accepted with its commit, superseded, ...). */
  state?: PatchState;
}

export interface VersionView {
  series: SeriesRow;
  coverId: string | null;
  patches: PatchView[];
  /** Counters of 1..total that never arrived. */
  missing: number[];
}

/** The text b4 reads for a patch (the same part ingest read its series facts from). */
export function patchBody(m: LoadedMessage): string {
  return (b4Body(m.doc.parts, (p) => partTextOf(p, m.raw)) ?? '').replace(/\r/g, '');
}

function ownTrailers(body: string, messageId: string): TrailerView[] {
  return bodyParts(body).trailers.map((t) => ({
    name: t.name,
    value: t.value + (t.extinfo ?? ''),
    messageId,
    matched: true,
    source: 'patch' as const,
  }));
}

const fromRow = (t: SeriesTrailerRow, source: TrailerSource): TrailerView => ({
  name: t.name,
  value: t.value,
  messageId: t.fromMid,
  matched: t.matched,
  source,
});

export class SeriesModel {
  private readonly site: Site;
  private readonly series: SeriesReader;
  private readonly bodies = new Map<number, string>();

  constructor(site: Site) {
    this.site = site;
    this.series = site.series;
  }

  /** A patch's body, read once per model. */
  body(num: number): string {
    let b = this.bodies.get(num);
    if (b === undefined) {
      const m = loadMessage(this.site, num);
      b = m ? patchBody(m) : '';
      this.bodies.set(num, b);
    }
    return b;
  }

  /**
   * Every version of the series' chain, oldest first, each with its patches and trailers. Only the
   * versions `detailed` picks read their patches' mail (own trailers, diffstats): the others give
   * what the store knows, which is all that carrying trailers over needs.
   */
  chain(s: SeriesRow, detailed: (v: SeriesRow) => boolean = () => true): VersionView[] {
    const versions = this.series.chain(s).map((v) => this.version(v, detailed(v)));
    // trailers of an unchanged patch carry over to the later versions (b4's trailer_map)
    const seen = new Map<string, { since: number; version: number; trailers: TrailerView[] }>();
    for (const v of versions) {
      for (const p of v.patches) {
        if (!p.patchId) continue;
        const earlier = seen.get(p.patchId);
        if (earlier && earlier.version < v.series.version) {
          p.unchangedSince = earlier.since;
          for (const t of earlier.trailers) {
            if (t.source === 'patch' || p.trailers.some((x) => sameTrailer(x, t))) continue;
            p.trailers.push({ ...t, source: 'carried', carriedFrom: t.carriedFrom ?? earlier.version });
          }
        }
        seen.set(p.patchId, {
          since: earlier?.since ?? v.series.version,
          version: v.series.version,
          trailers: p.trailers,
        });
      }
    }
    return versions;
  }

  private version(s: SeriesRow, detailed: boolean): VersionView {
    const given = this.series.trailers(s.id);
    const cover = given.filter((t) => t.counter === 0);
    const coverMid = s.coverNum !== null ? s.mid : null;
    const patches = this.series.patches(s.id).map((p): PatchView => {
      const body = detailed ? this.body(p.num) : '';
      const trailers = [
        ...ownTrailers(body, p.mid),
        ...given.filter((t) => t.counter === p.counter).map((t) => fromRow(t, 'reply')),
        // trailers given on the cover letter are for every patch (b4 am -t, b4's default since 0.13)
        ...cover.map((t) => fromRow(t, 'cover')),
      ];
      return {
        counter: p.counter,
        num: p.num,
        messageId: p.mid,
        subject: p.subject,
        patchId: p.patchId,
        fromVersion: p.fromVersion,
        trailers,
        files: diffFiles(body),
      };
    });
    const states = this.series.patchStates(patches.map((p) => p.num));
    for (const p of patches) p.state = states.get(p.num);
    const have = new Set(patches.map((p) => p.counter));
    const missing: number[] = [];
    for (let i = 1; i <= s.total; i++) if (!have.has(i)) missing.push(i);
    return { series: s, coverId: coverMid, patches, missing };
  }
}
