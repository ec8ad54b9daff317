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
