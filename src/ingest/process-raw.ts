// The unit of parallel work: one raw message to an analyzed, compressed record or a quarantine record.
import { createHash } from 'node:crypto';
import { analyzeWithParts, NotMailError, type AnalyzedMessage, type AnalyzedWithParts } from '../mail/analyze.js';
import { renderBodyFragment } from '../html/body-html.js';
import { compressRaw } from '../store/raw-codec.js';
import { compressHtml } from '../store/html-codec.js';

export type Processed =
  /** bodyHtml: the body rendered for pages, compressed; none when the renderer failed on it. */
  | { ok: true; message: AnalyzedMessage; rawData: Buffer; bodyHtml?: Buffer }
  | { ok: false; sha256: Buffer; size: number; mid: string; reason: string; rawData: Buffer };

/** A Message-ID for a message we could not analyze: the first one written, else one from its digest. */
function fallbackMid(raw: Buffer, sha256: Buffer): string {
  const m = /^Message-ID:[ \t]*<([^>\r\n]{1,244})>/im.exec(raw.subarray(0, 65536).toString('latin1'));
  return m ? Buffer.from(m[1], 'latin1').toString('utf8') : `quarantine.${sha256.toString('hex').slice(0, 32)}@z`;
}

/**
 * A message's body as pages show it, rendered here, where the work is spread over the parse workers
 * and done once, from the parts and texts the analysis decoded (what `doc` gives pages); pages
 * render the body themselves where this failed.
 */
function bodyHtmlOf({ parts, texts }: AnalyzedWithParts): Buffer | undefined {
  try {
    return compressHtml(renderBodyFragment(parts, (part) => texts.get(part)));
  } catch {
    return undefined;
  }
}

export function processRaw(raw: Buffer): Processed {
  const rawData = compressRaw(raw);
  let reason: string;
  try {
    const analyzed = analyzeWithParts(raw);
    return { ok: true, message: analyzed.message, rawData, bodyHtml: bodyHtmlOf(analyzed) };
  } catch (err) {
    reason =
      err instanceof NotMailError
        ? err.message
        : `analysis failed: ${err instanceof Error ? err.message : String(err)}`;
  }
  const sha256 = createHash('sha256').update(raw).digest();
  return { ok: false, sha256, size: raw.length, mid: fallbackMid(raw, sha256), reason, rawData };
}
