// series.mbox: a version of a series as `b4 am` writes it, collected trailers applied; patch.mbox:
// one patch of it the same way (`b4 am -P N`), the mbox the Patchwork API links each patch to.
import { parsePatchSubject } from '../../mail/subject.js';
import { amMbox } from '../../series/am-mbox.js';
import { loadMessage } from './loaded-message.js';
import { SeriesModel, applicable, type SeriesContext } from './series-model.js';
import type { SeriesRow } from '../../store/series-reader.js';

/** The version as b4 am writes it; only the patch numbered `num` when given. */
export function seriesMbox(c: SeriesContext, s: SeriesRow, num?: number): Buffer {
  const model = new SeriesModel(c.site);
  const v = model.chain(s, (x) => x.id === s.id).find((x) => x.series.id === s.id)!;
  return amMbox(
    v.patches
      .filter((p) => num === undefined || p.num === num)
      .map((p) => {
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
