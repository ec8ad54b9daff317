// What makes two copies of a message "the same" (public-inbox's ContentHash): references, sender,
// subject, date, recipients and every part's content; not the Message-ID, not trace headers.
import { createHash } from 'node:crypto';

export interface ContentHashInput {
  mids: string[];
  refs: string[];
  /** Decoded From values, or Sender values when there is no From. */
  from: { header: 'From' | 'Sender'; values: string[] };
  subjects: string[];
  dates: string[];
  to: string[];
  cc: string[];
  parts: { depth: number; idx: string; filename?: string; descriptions: string[]; content: Buffer }[];
}

/** Quotes and whitespace runs do not count; domains compare case-insensitively (digest_addr). */
function normalizeAddressField(v: string): string {
  return v
    .replace(/"/g, '')
    .replace(/[\r\n\t ]+/g, ' ')
    .replace(/@([a-z0-9_.\-()]*[A-Z]\S*)/g, (_m, d: string) => '@' + d.toLowerCase());
}

export function contentHash(m: ContentHashInput): Buffer {
  const h = createHash('sha256');
  const seen = new Set(m.mids);
  for (const ref of m.refs) {
    if (seen.has(ref)) continue;
    seen.add(ref);
    h.update(`ref\0${ref}\0`);
  }
  for (const v of m.from.values) h.update(`${m.from.header}\0${normalizeAddressField(v)}\0`);
  for (const v of m.subjects) h.update(`Subject\0${v}\0`);
  for (const v of m.dates) h.update(`Date\0${v}\0`);
  for (const v of m.to) h.update(`To\0${normalizeAddressField(v)}\0`);
  for (const v of m.cc) h.update(`Cc\0${normalizeAddressField(v)}\0`);
  for (const p of m.parts) {
    h.update(`\0${p.depth}:${p.idx}\0`);
    if (p.filename !== undefined) h.update(`fn\0${p.filename}\0`);
    for (const d of p.descriptions) h.update(`d\0${d}\0`);
    h.update('b\0');
    h.update(p.content);
  }
  return h.digest();
}
