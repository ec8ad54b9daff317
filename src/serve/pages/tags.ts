// What a page depends on, as the change log names it (store/change-log.ts): a cached page stays
// until new mail touches one of these.
import { changeKey } from '../../store/change-log.js';
import { ANY_INBOX } from '../response-cache.js';
import type { MessageRow } from '../../store/reader.js';
import type { InboxView } from '../site.js';

/** A thread view: its thread, its loose subject matches, and the series chain it shows, if any. */
export function threadTags(m: MessageRow, chain?: number): string[] {
  const tags = [changeKey.thread(m.tid)];
  if (m.sid !== null) tags.push(changeKey.subject(m.sid));
  if (chain !== undefined) tags.push(changeKey.chain(chain));
  return tags;
}

/** Listings, feeds and searches of an inbox (of every inbox, for /all/). */
export function inboxTags(ib: InboxView): string[] {
  return [ib.scope === 'all' ? ANY_INBOX : changeKey.inbox(ib.scope.inboxId)];
}

/** What is shown of a Message-ID's copies (its raw bytes, attachments, how copies differ). */
export function midTags(mid: string): string[] {
  return [changeKey.mid(mid)];
}

/** Hours a window may span and be tagged by its hours, then days by its days. */
const MAX_WINDOW_HOURS = 48;
const MAX_WINDOW_DAYS = 100;

/**
 * An index page of older messages: the hours (or days) of its window, and the Message-IDs its
 * threads were looked up by beyond it (mail filling one of them may join threads); the newest
 * window, or one spanning more days than is worth listing, changes with any mail of its inbox.
 */
export function windowTags(ib: InboxView, span: [number, number] | undefined, lookedUp: string[]): string[] {
  if (ib.scope === 'all' || !span) return inboxTags(ib);
  const { inboxId } = ib.scope;
  const unit = span[1] - span[0] <= MAX_WINDOW_HOURS * 3600 ? 3600 : 86400;
  const [from, to] = [Math.floor(span[0] / unit), Math.floor(span[1] / unit)];
  if (to - from > MAX_WINDOW_DAYS) return inboxTags(ib);
  const key = unit === 3600 ? changeKey.hour : changeKey.day;
  const tags = new Set(lookedUp.map(changeKey.mid));
  for (let n = from; n <= to; n++) tags.add(key(inboxId, n * unit));
  return [...tags];
}
