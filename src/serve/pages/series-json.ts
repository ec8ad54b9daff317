// series.json: every version of a series' chain, each patch with the trailers b4 would apply.
import { isoTs } from '../../html/dates.js';
import { SeriesModel, applicable, type SeriesContext, type TrailerView } from './series-model.js';
import type { SeriesRow } from '../../store/series-reader.js';

export function seriesJson(c: SeriesContext, s: SeriesRow): string {
  const chain = new SeriesModel(c.site).chain(s);
  const trailer = (t: TrailerView) => ({
    name: t.name,
    value: t.value,
    messageId: t.messageId,
    source: t.source,
    ...(t.carriedFrom !== undefined ? { carriedFrom: t.carriedFrom } : {}),
  });
  const doc = {
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
  return JSON.stringify(doc) + '\n';
}
