// The read side of the store: prepared selects returning plain rows. Pages and tools read through here.
import type { Db, Statement } from './open-database.js';
import { decompressRaw } from './raw-codec.js';
import { decompressHtml } from './html-codec.js';
import { MAX_TREE_REFS } from '../mail/thread-tree.js';
import { changeKey } from './change-log.js';

export interface InboxRow {
  id: number;
  name: string;
  address: string | null;
  description: string | null;
  /** The public-inbox URL `lorekeeper mirror` keeps it current from; null for mail ingested otherwise. */
  upstream: string | null;
}

const INBOX_COLUMNS =
  'i.id, i.name, i.address, i.description, u.url AS upstream FROM inbox i LEFT JOIN upstream u ON u.inbox_id = i.id';

/** Which messages a page sees: one inbox, or every inbox at once (the /all/ index). */
export type Scope = { inboxId: number } | 'all';

/** What threads, indexes and feeds need of a message without opening its raw bytes. */
export interface MessageRow {
  num: number;
  inboxId: number;
  tid: number;
  sid: number | null;
  ts: number;
  ds: number;
  mid: string;
  subject: string;
  fromNames: string;
  fromAddr: string;
  /** Threading references, oldest first: the closest MAX_TREE_REFS, all that pages use. */
  refs: string[];
  quarantine: string | null;
  /** Content hash: equal for copies that differ only in trace headers. NULL in thread rows of one inbox. */
  chash: Buffer | null;
}

export interface Thread {
  /** Messages in the thread (strict and loose), even beyond the page limit. */
  count: number;
  /** Strict matches by date, then the newest loose matches by date, up to THREAD_PAGE_LIMIT. */
  members: MessageRow[];
}

/** public-inbox's thread window: pages show at most this many messages of a thread. */
export const THREAD_PAGE_LIMIT = 1000;
/** Bytes of recently shown threads kept in memory (roughly: strings counted, objects estimated). */
const THREAD_CACHE_BYTES = 32 * 1024 * 1024;

/**
 * A message row's columns, read as arrays (better-sqlite3's raw mode, a third less CPU than rows made
 * as objects: thread pages read hundreds), in RowTuple's order. The content hash only tells copies
 * of a cross-posted message apart on /all/ (firstCopies): thread rows of one inbox leave it NULL,
 * sparing a Buffer per row.
 */
const COLUMNS = 'num, inbox_id, tid, sid, ts, ds, mid, subject, from_names, from_addr, refs, quarantine, chash';
const THREAD_COLUMNS = COLUMNS.replace('chash', 'CASE WHEN @scope IS NULL THEN chash END');
/** Real, analyzed messages of the scope: `@scope` is the inbox id, NULL for every inbox. */
const IN_SCOPE = 'num > 0 AND quarantine IS NULL AND (@scope IS NULL OR inbox_id = @scope)';

/** A window of an inbox's arrivals (recentBefore, recentAfter). */
type RecentParams = { inbox: number; ts: number; limit: number };

/** A row of COLUMNS as raw mode reads it. */
type RowTuple = [
  num: number,
  inboxId: number,
  tid: number,
  sid: number | null,
  ts: number,
  ds: number,
  mid: string,
  subject: string,
  fromNames: string,
  fromAddr: string,
  refs: string | null,
  quarantine: string | null,
  chash: Buffer | null,
];

/**
 * The stored newline-separated references, closest MAX_TREE_REFS only: a hostile message can name
 * thousands, and every page of its thread would carry them all.
 */
export function closestRefs(refs: string | null): string[] {
  if (!refs) return [];
  let at = refs.length;
  for (let n = 0; n < MAX_TREE_REFS; n++) {
    at = refs.lastIndexOf('\n', at - 1);
    if (at < 0) return refs.split('\n');
  }
  return refs.slice(at + 1).split('\n');
}

function toMessage(r: RowTuple | [...RowTuple, string]): MessageRow {
  return {
    num: r[0],
    inboxId: r[1],
    tid: r[2],
    sid: r[3],
    ts: r[4],
    ds: r[5],
    mid: r[6],
    subject: r[7],
    fromNames: r[8],
    fromAddr: r[9],
    refs: closestRefs(r[10]),
    quarantine: r[11],
    chash: r[12],
  };
}

const rowBytes = (r: MessageRow) =>
  200 +
  2 *
    (r.mid.length +
      r.subject.length +
      r.fromNames.length +
      r.fromAddr.length +
      r.refs.reduce((n, x) => n + x.length + 16, 0));

const scopeId = (scope: Scope) => (scope === 'all' ? null : scope.inboxId);

/** Across inboxes, a cross-posted message arrives once per list: keep its first copy. */
function firstCopies(rows: MessageRow[], scope: Scope): MessageRow[] {
  if (scope !== 'all') return rows;
  const seen = new Set<string>();
  return rows.filter((r) => {
    const key = r.mid + '\0' + (r.chash?.toString('hex') ?? '');
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** What changed in the store since it was last looked at: change-log keys, or everything. */
export type StoreChanges = ReadonlySet<string> | 'everything';

/** The reader's statements, typed with their parameters and rows. */
function statements(db: Db) {
  const rows = <P extends object | unknown[]>(sql: string) => db.prepare<P, RowTuple>(sql).raw(true);
  return {
    inboxes: db.prepare<[], InboxRow>(`SELECT ${INBOX_COLUMNS} ORDER BY i.name`),
    inboxByName: db.prepare<[string], InboxRow>(`SELECT ${INBOX_COLUMNS} WHERE i.name = ?`),
    numsByMid: db.prepare<
      { scope: number | null; mid: string },
      { num: number }
    >(`SELECT x.num FROM msgid i JOIN id2num x ON x.id = i.id JOIN msg ON msg.num = x.num
                  WHERE i.mid = @mid AND x.num > 0 AND (@scope IS NULL OR msg.inbox_id = @scope) ORDER BY x.num`),
    midPrefix: db.prepare<
      { scope: number | null; from: string; to: string; limit: number },
      { mid: string }
    >(`SELECT DISTINCT i.mid FROM msgid i JOIN id2num x ON x.id = i.id JOIN msg ON msg.num = x.num
                  WHERE i.mid >= @from AND i.mid < @to AND x.num > 0 AND (@scope IS NULL OR msg.inbox_id = @scope)
                  ORDER BY i.mid LIMIT @limit`),
    midWords: db.prepare<
      { match: string; scope: number | null; limit: number },
      { mid: string }
    >(`SELECT DISTINCT msg.mid FROM fts JOIN msg ON msg.num = fts.rowid
                 WHERE fts MATCH @match AND msg.num > 0 AND (@scope IS NULL OR msg.inbox_id = @scope) LIMIT @limit`),
    message: rows<[number]>(`SELECT ${COLUMNS} FROM msg WHERE num = ?`),
    raw: db.prepare<[number], { data: Buffer; codec: number }>(
      'SELECT b.data, b.codec FROM msg m JOIN blob b ON b.id = m.blob_id WHERE m.num = ?',
    ),
    doc: db.prepare<[number], { doc: Buffer | null }>('SELECT doc FROM msg WHERE num = ?'),
    hasDiff: db.prepare<[number], number>('SELECT has_diff FROM msg WHERE num = ?').pluck(),
    threadCount: db
      .prepare<{ scope: number | null; tid: number; sid: number | null }, number>(
        `SELECT count(*) FROM msg WHERE (tid = @tid OR sid = @sid) AND ${IN_SCOPE}`,
      )
      .pluck(),
    strict: rows<{ scope: number | null; tid: number; limit: number }>(
      `SELECT ${THREAD_COLUMNS} FROM msg WHERE tid = @tid AND ${IN_SCOPE} ORDER BY ds, num LIMIT @limit`,
    ),
    loose: rows<{ scope: number | null; sid: number; tid: number; limit: number }>(
      `SELECT ${THREAD_COLUMNS} FROM msg WHERE sid = @sid AND tid != @tid AND ${IN_SCOPE} ORDER BY ds DESC, num LIMIT @limit`,
    ),
    threadByNum: rows<{ scope: number | null; tid: number; sid: number | null }>(
      `SELECT ${THREAD_COLUMNS} FROM msg WHERE (tid = @tid OR sid = @sid) AND ${IN_SCOPE} ORDER BY num`,
    ),
    strictByNum: rows<{ scope: number | null; tid: number }>(
      `SELECT ${THREAD_COLUMNS} FROM msg WHERE tid = @tid AND ${IN_SCOPE} ORDER BY num`,
    ),
    // the first message in the scope under each id, its row read in the same query
    firstByMids: db
      .prepare<{ mids: string; scope: number | null }, [...RowTuple, wanted: string]>(
        `SELECT ${COLUMNS}, f.wanted FROM (
                      SELECT i.mid AS wanted, min(x.num) AS first FROM msgid i JOIN id2num x ON x.id = i.id JOIN msg ON msg.num = x.num
                      WHERE i.mid IN (SELECT value FROM json_each(@mids)) AND x.num > 0 AND (@scope IS NULL OR msg.inbox_id = @scope)
                      GROUP BY i.mid) f JOIN msg ON msg.num = f.first`,
      )
      .raw(true),
    count: db.prepare<{ scope: number | null }, number>(`SELECT count(*) FROM msg WHERE ${IN_SCOPE}`).pluck(),
    // one inbox at a time, down its (inbox_id, ts) index, whose order (ts, then rowid = num) is the
    // one asked: `@scope IS NULL OR inbox_id = @scope` would sort every message of the store
    recentBefore: rows<RecentParams>(`SELECT ${COLUMNS} FROM msg WHERE inbox_id = @inbox AND ts <= @ts
                     AND num > 0 AND quarantine IS NULL ORDER BY ts DESC, num DESC LIMIT @limit`),
    recentAfter: rows<RecentParams>(`SELECT ${COLUMNS} FROM msg WHERE inbox_id = @inbox AND ts >= @ts
                    AND num > 0 AND quarantine IS NULL ORDER BY ts ASC, num ASC LIMIT @limit`),
    inboxIds: db.prepare<[], number>('SELECT id FROM inbox ORDER BY id').pluck(),
    numsAfter: db
      .prepare<{ scope: number | null; after: number; limit: number }, number>(
        `SELECT num FROM msg WHERE ${IN_SCOPE} AND num > @after ORDER BY num LIMIT @limit`,
      )
      .pluck(),
    // per inbox, down its (inbox_id, ts) index: max(ts) over the scope would read every row
    newestTs: db
      .prepare<{ scope: number | null }, number | null>(
        `SELECT max((SELECT ts FROM msg WHERE inbox_id = i.id AND num > 0 AND quarantine IS NULL
                             ORDER BY ts DESC LIMIT 1))
                 FROM inbox i WHERE @scope IS NULL OR i.id = @scope`,
      )
      .pluck(),
    // the last article number given, not the highest held: removing the newest message must not go back
    generation: db.prepare<[], number | null>(`SELECT sum(val) FROM counter WHERE key IN ('article', 'edits')`).pluck(),
  };
}

export class StoreReader {
  private readonly st: ReturnType<typeof statements>;
  private readonly bodyHtmlOf: Statement<[number, number], Buffer>;
  private readonly threads = new Map<string, { thread: Thread; bytes: number; tid: number; sid: number | null }>();
  private threadBytes = 0;
  private readonly dataVersion: Statement<[], number>;
  private readonly changesAfter: Statement<[number], { seq: number; key: string }>;
  private readonly oldestChange: Statement<[], number>;
  private readonly newestChange: Statement<[], number>;
  /** PRAGMA data_version when last looked: it moves when another connection commits. */
  private seenVersion = -1;
  /** The last change-log row taken into account. */
  private lastChange: number;
  private readonly listeners: ((changes: StoreChanges) => void)[] = [];

  constructor(db: Db) {
    this.dataVersion = db.prepare<[], number>('PRAGMA data_version').pluck();
    this.changesAfter = db.prepare<[number], { seq: number; key: string }>(
      'SELECT seq, key FROM change WHERE seq > ? ORDER BY seq',
    );
    this.oldestChange = db.prepare<[], number>('SELECT coalesce(min(seq), 0) FROM change').pluck();
    this.newestChange = db.prepare<[], number>('SELECT coalesce(max(seq), 0) FROM change').pluck();
    this.lastChange = this.newestChange.get() ?? 0;
    this.seenVersion = this.dataVersion.get() ?? -1;
    this.bodyHtmlOf = db
      .prepare<[number, number], Buffer>('SELECT html FROM body_html WHERE num = ? AND version = ?')
      .pluck();
    this.st = statements(db);
  }

  inboxes(): InboxRow[] {
    return this.st.inboxes.all();
  }

  inbox(name: string): InboxRow | undefined {
    return this.st.inboxByName.get(name);
  }

  /** Article numbers holding this Message-ID in the scope, oldest first. */
  numsByMid(mid: string, scope: Scope = 'all'): number[] {
    return this.st.numsByMid.all({ scope: scopeId(scope), mid }).map((r) => r.num);
  }

  /** Message-IDs in the scope starting with `prefix` (for "partial match" suggestions). */
  midsWithPrefix(prefix: string, scope: Scope, limit: number): string[] {
    const end = prefix + '\uffff';
    return this.st.midPrefix.all({ scope: scopeId(scope), from: prefix, to: end, limit }).map((r) => r.mid);
  }

  /** Message-IDs in the scope containing all these words (`m:` search); the last may be a prefix. */
  midsWithWords(words: string[], lastIsPrefix: boolean, scope: Scope, limit: number): string[] {
    if (!words.length) return [];
    const terms = words.map((w, i) => `"${w.replace(/"/g, '""')}"${lastIsPrefix && i === words.length - 1 ? '*' : ''}`);
    return this.st.midWords.all({ match: `m : (${terms.join(' ')})`, scope: scopeId(scope), limit }).map((r) => r.mid);
  }

  message(num: number): MessageRow | undefined {
    const r = this.st.message.get(num);
    return r && toMessage(r);
  }

  /** The first message with this id in the scope: how a ghost in a thread view becomes real. */
  messageByMid(mid: string, scope: Scope): MessageRow | undefined {
    const num = this.numsByMid(mid, scope)[0];
    return num === undefined ? undefined : this.message(num);
  }

  /** The exact bytes the message arrived as. */
  raw(num: number): Buffer | undefined {
    const r = this.st.raw.get(num);
    return r && decompressRaw(r.data, r.codec);
  }

  /** The message's body as rendered at ingest by renderer `version`; undefined if it was not. */
  bodyHtml(num: number, version: number): string | undefined {
    const data = this.bodyHtmlOf.get(num, version);
    return data && decompressHtml(data);
  }

  /** The message carries a diff (for the side-by-side view). */
  hasDiff(num: number): boolean {
    return this.st.hasDiff.get(num) === 1;
  }

  doc(num: number): Buffer | undefined {
    return this.st.doc.get(num)?.doc ?? undefined;
  }

  /** Bytes the thread cache holds (what it counts of its rows). */
  threadCacheBytes(): number {
    return this.threadBytes;
  }

  /**
   * The thread of a message for pages (Over::get_thread): strict matches first, loose ones to fill.
   * Every message page of a thread needs the same rows: they are kept until the store changes.
   */
  thread(m: MessageRow, scope: Scope): Thread {
    this.sync();
    const key = `${scopeId(scope)}:${m.tid}:${m.sid}`;
    const hit = this.threads.get(key);
    if (hit) {
      // most recently used last
      this.threads.delete(key);
      this.threads.set(key, hit);
      return hit.thread;
    }
    const thread = this.loadThread(m, scope);
    const bytes = thread.members.reduce((n, r) => n + rowBytes(r), 0);
    this.threads.set(key, { thread, bytes, tid: m.tid, sid: m.sid });
    this.threadBytes += bytes;
    for (const [k, old] of this.threads) {
      if (this.threadBytes <= THREAD_CACHE_BYTES) break;
      this.threads.delete(k);
      this.threadBytes -= old.bytes;
    }
    return thread;
  }

  private loadThread(m: MessageRow, scope: Scope): Thread {
    const id = scopeId(scope);
    const strict = this.st.strict.all({ scope: id, tid: m.tid, limit: THREAD_PAGE_LIMIT }).map(toMessage);
    const room = THREAD_PAGE_LIMIT - strict.length;
    const loose =
      room > 0 && m.sid !== null
        ? this.st.loose.all({ scope: id, sid: m.sid, tid: m.tid, limit: room }).map(toMessage)
        : [];
    // strict and loose rows together are the whole thread unless the limit cut one short: only
    // then is it counted apart (most pages are spared a third query)
    const whole = strict.length < THREAD_PAGE_LIMIT && (m.sid === null || loose.length < room);
    const count = whole
      ? strict.length + loose.length
      : (this.st.threadCount.get({ scope: id, tid: m.tid, sid: m.sid }) ?? 0);
    const members = firstCopies([...strict, ...loose], scope);
    return {
      count: scope === 'all' ? members.length + Math.max(0, count - strict.length - loose.length) : count,
      members,
    };
  }

  /** The whole thread in arrival order, for mbox downloads: strict, or strict plus loose matches. */
  threadInArrivalOrder(m: MessageRow, scope: Scope, loose: boolean): MessageRow[] {
    const id = scopeId(scope);
    const rows = loose
      ? this.st.threadByNum.all({ scope: id, tid: m.tid, sid: m.sid })
      : this.st.strictByNum.all({ scope: id, tid: m.tid });
    return firstCopies(rows.map(toMessage), scope);
  }

  /** messageByMid for many ids in one query: the ghosts of a thread, found in the scope or not. */
  messagesByMids(mids: string[], scope: Scope): Map<string, MessageRow> {
    const out = new Map<string, MessageRow>();
    for (const row of this.st.firstByMids.all({ mids: JSON.stringify(mids), scope: scopeId(scope) })) {
      out.set(row[13], toMessage(row));
    }
    return out;
  }

  messageCount(scope: Scope): number {
    return this.st.count.get({ scope: scopeId(scope) }) ?? 0;
  }

  /** Newest messages by arrival: `limit` at or before `before` (newest first). */
  recentBefore(scope: Scope, before: number, limit: number): MessageRow[] {
    return this.recent(this.st.recentBefore, scope, before, limit, -1);
  }

  /** Oldest messages by arrival at or after `after` (oldest first). */
  recentAfter(scope: Scope, after: number, limit: number): MessageRow[] {
    return this.recent(this.st.recentAfter, scope, after, limit, 1);
  }

  /** The first `limit` messages of `st` in each inbox of the scope, merged in its order (`dir`). */
  private recent(
    st: Statement<RecentParams, RowTuple>,
    scope: Scope,
    ts: number,
    limit: number,
    dir: 1 | -1,
  ): MessageRow[] {
    const inboxes = scope === 'all' ? this.st.inboxIds.all() : [scope.inboxId];
    const rows = inboxes.flatMap((inbox) => st.all({ inbox, ts, limit }));
    // by ts, then num
    if (inboxes.length > 1) rows.sort((a, b) => dir * (a[4] - b[4] || a[0] - b[0]));
    return firstCopies(rows.slice(0, limit).map(toMessage), scope);
  }

  /** Article numbers after `after`, in order: for walking a whole inbox in batches. */
  numsAfter(scope: Scope, after: number, limit: number): number[] {
    return this.st.numsAfter.all({ scope: scopeId(scope), after, limit });
  }

  newestTs(scope: Scope): number | null {
    return this.st.newestTs.get({ scope: scopeId(scope) }) ?? null;
  }

  /**
   * Grows with every stored message and every other change (a removal, an edit, a relink): pages
   * cached under an older generation are stale.
   */
  generation(): number {
    return this.st.generation.get() ?? 0;
  }

  /**
   * The newest change-log row the store holds, as the caller's transaction sees it: a page read in
   * that transaction shows every change up to it.
   */
  changeSeq(): number {
    return this.newestChange.get() ?? 0;
  }

  /** The last change-log row sync() took into account: what this reader's listeners have heard of. */
  syncedSeq(): number {
    return this.lastChange;
  }

  /** Hear what changed whenever sync() finds the store moved on (a server drops cached pages). */
  onChange(listener: (changes: StoreChanges) => void): void {
    this.listeners.push(listener);
  }

  /**
   * Catch up with commits made by other connections (an ingest): what they changed is read from
   * the change log, recently shown threads it touched are forgotten, and listeners told.
   */
  sync(): StoreChanges | undefined {
    const version = this.dataVersion.get() ?? -1;
    if (version === this.seenVersion) return undefined;
    this.seenVersion = version;
    const rows = this.changesAfter.all(this.lastChange);
    if (!rows.length) return undefined;
    // rows this reader has not seen were dropped from the log: anything may have changed
    const missed = (this.oldestChange.get() ?? 0) > this.lastChange + 1;
    this.lastChange = rows[rows.length - 1].seq;
    const keys = new Set(rows.map((r) => r.key));
    const changes: StoreChanges = missed || keys.has(changeKey.everything) ? 'everything' : keys;
    this.forgetThreads(changes);
    for (const l of this.listeners) l(changes);
    return changes;
  }

  private forgetThreads(changes: StoreChanges): void {
    for (const [k, e] of this.threads) {
      const stale =
        changes === 'everything' ||
        changes.has(changeKey.thread(e.tid)) ||
        (e.sid !== null && changes.has(changeKey.subject(e.sid)));
      if (!stale) continue;
      this.threads.delete(k);
      this.threadBytes -= e.bytes;
    }
  }
}
