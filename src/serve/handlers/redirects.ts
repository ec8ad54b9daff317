// The redirects public-inbox makes: /NAME -> /NAME/, /MID -> /MID/, /t -> /t/#u, /R -> #R,
// legacy /m/ /t/ /f/ URLs, and b4's /r/MID (or a bare /MID/) to the inbox holding the message.
import type { RequestContext } from '../router.js';
import { plain, redirect, type Page } from '../response.js';
import { midEscape, midUnescape } from '../../mail/message-id.js';
import type { InboxView } from '../site.js';
import { midTags } from '../pages/tags.js';

/**
 * 301 to a Message-ID's URL in an inbox (WWW::r301): the id keeps its escapes except %40,
 * which becomes '@' again, and the query string follows. Locations are absolute, as b4 needs
 * them (it cuts the inbox's URL out of one); their origin is the configured base URL, or the Host
 * asked under, which then keys the cache, so one client's Host never reaches another.
 */
export function toMessage(ctx: RequestContext, ib: InboxView, midRaw: string, suffix = ''): Page {
  // the same whatever the store holds
  return {
    ...redirect(301, `${ctx.origin}/${ib.name}/${midRaw.replace(/%40/g, '@')}/${suffix}`, ctx.rawQuery),
    tags: [],
  };
}

/** b4's linkmask (/r/MID) and a bare /MID/ go to the inbox holding the message (NewsWWW). */
export function toOwningInbox(ctx: RequestContext, midRaw: string): Page {
  const mid = midUnescape(midRaw);
  const [inbox] = ctx.site.inboxesWithMid(mid);
  if (!inbox) return plain(404, 'Not Found');
  return { ...redirect(302, `${ctx.origin}/${inbox}/${midEscape(mid).replace(/%40/g, '@')}/`), tags: midTags(mid) };
}
