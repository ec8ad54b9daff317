// What a Message-ID's own URLs answer: the message page, its exact bytes, its attachments, its
// diffs side by side, and how copies sharing its Message-ID differ.
import type { RequestContext, Target } from '../router.js';
import { html, notFound, plain, type Page } from '../response.js';
import { render } from '../templates.js';
import { toFilename } from '../mbox-download.js';
import { messagePage } from '../pages/message.js';
import { copiesOf } from '../pages/loaded-message.js';
import { duplicatesPage } from '../pages/duplicates.js';
import { sideBySidePage } from '../pages/side-by-side.js';
import { notFoundPage } from '../pages/not-found.js';
import { midTags } from '../pages/tags.js';
import { toMboxrd } from '../../mail/mboxrd.js';
import { MimeEntity, eachPart } from '../../mail/mime.js';
import { decodeTransfer, decodeWords } from '../../mail/codec.js';
import { HeaderBlock, splitHeaderBody } from '../../mail/headers.js';

/** A charset parameter fit to repeat in a response header. */
function safeCharset(contentType: string | undefined): string | undefined {
  const cs = /charset\s*=\s*"?([^";\s]+)/i.exec(contentType ?? '')?.[1];
  return cs && /^[A-Za-z0-9_-]+$/.test(cs) ? cs : undefined;
}

export function message(ctx: RequestContext, t: Target): Page {
  const page = messagePage(ctx.site, t.inbox, t.mid);
  return page !== undefined ? { ...html(page.html), tags: page.tags } : notFoundPage(ctx, t);
}

/** Every copy of the Message-ID in public-inbox's mboxrd, as text (Mbox::emit_raw). */
export function raw(ctx: RequestContext, t: Target): Page {
  const nums = ctx.site.reader.numsByMid(t.mid, t.inbox.scope);
  const raws = nums.map((n) => ctx.site.reader.raw(n)).filter((r): r is Buffer => !!r);
  if (!raws.length) return notFound();
  const header = HeaderBlock.parse(splitHeaderBody(raws[0]).header);
  const subject = decodeWords(header.first('subject') ?? '').replace(/^re:\s+/i, '');
  const cs = safeCharset(header.first('content-type')) ?? 'UTF-8';
  return {
    status: 200,
    type: `text/plain; charset=${cs}`,
    body: Buffer.concat(raws.map(toMboxrd)),
    headers: { 'Content-Disposition': `inline; filename=${toFilename(subject) ?? 'no-subject'}.txt` },
    tags: midTags(t.mid),
  };
}

/** One MIME part, decoded (WwwAttach): text as text/plain, the rest as a download. */
export function attachment(ctx: RequestContext, t: Target, idx: string): Page {
  const num = ctx.site.reader.numsByMid(t.mid, t.inbox.scope)[0];
  const bytes = num === undefined ? undefined : ctx.site.reader.raw(num);
  const visit = bytes && eachPart(MimeEntity.parse(bytes)).find((v) => v.idx === idx);
  if (!visit || visit.entity.body === undefined) return plain(404, 'Not found\n');
  const part = visit.entity;
  const body = decodeTransfer(part.body!, part.header.first('content-transfer-encoding'));
  const fn = toFilename(part.contentType.params.name ?? '') ?? 'attachment';
  if (part.contentType.value.startsWith('text/')) {
    const cs = safeCharset(part.contentTypeHeader);
    return {
      status: 200,
      type: `text/plain${cs ? `; charset=${cs}` : ''}`,
      body,
      headers: { 'Content-Disposition': `inline; filename=${fn}` },
      tags: midTags(t.mid),
    };
  }
  // binary parts only for our own pages, curl and wget: others get a button (public-inbox's deep-linking rule)
  const referer = ctx.referer.toLowerCase();
  if (ctx.method !== 'POST' && referer !== '' && !referer.startsWith(ctx.origin.toLowerCase() + '/')) {
    return html(render('deep-link', {}), 403);
  }
  return {
    status: 200,
    type: 'application/octet-stream',
    body,
    headers: { 'Content-Disposition': `attachment; filename=${fn}` },
    // the Referer decided this answer: a cached copy would hand it to a foreign page too
    cache: false,
  };
}

export function sideBySide(ctx: RequestContext, t: Target): Page {
  const page = sideBySidePage(ctx.site, t.inbox, t.mid);
  return page !== undefined ? { ...html(page), tags: midTags(t.mid) } : plain(404, 'No diff in this message\n');
}

export function duplicates(ctx: RequestContext, t: Target): Page {
  const copies = copiesOf(ctx.site, t.inbox, t.mid);
  return copies.length ? { ...html(duplicatesPage(t.inbox, copies)), tags: midTags(t.mid) } : notFoundPage(ctx, t);
}
