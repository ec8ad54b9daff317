// The read side of the store: prepared selects returning plain rows. Pages and tools read through here.
import type { Db, Statement } from './open-database.js';
import { decompressRaw } from './raw-codec.js';

export interface InboxRow {
  id: number;
  name: string;
  address: string | null;
  description: string | null;
}

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
  /** Threading references, oldest first. */
  refs: string[];
  quarantine: string | null;
}

const MESSAGE_COLUMNS =
  'num, inbox_id AS inboxId, tid, sid, ts, ds, mid, subject, from_names AS fromNames, from_addr AS fromAddr, refs, quarantine';

type RawRow = Omit<MessageRow, 'refs'> & { refs: string | null };

function toMessage(r: RawRow): MessageRow {
  return { ...r, refs: r.refs ? r.refs.split('\n') : [] };
}

export class StoreReader {
  private readonly st: Record<string, Statement>;

  constructor(db: Db) {
    const p = (sql: string) => db.prepare(sql);
    this.st = {
      inboxes: p('SELECT id, name, address, description FROM inbox ORDER BY name'),
      inboxByName: p('SELECT id, name, address, description FROM inbox WHERE name = ?'),
      numsByMid: p(`SELECT x.num FROM msgid i JOIN id2num x ON x.id = i.id JOIN msg m ON m.num = x.num
                    WHERE i.mid = ? AND x.num > 0 AND (? IS NULL OR m.inbox_id = ?) ORDER BY x.num`),
      message: p(`SELECT ${MESSAGE_COLUMNS} FROM msg WHERE num = ?`),
      raw: p('SELECT b.data, b.codec FROM msg m JOIN blob b ON b.id = m.blob_id WHERE m.num = ?'),
      doc: p('SELECT doc FROM msg WHERE num = ?'),
      threadMembers: p(`SELECT ${MESSAGE_COLUMNS} FROM msg
                        WHERE (tid = ? OR sid = ?) AND num > 0 AND inbox_id = ? AND quarantine IS NULL ORDER BY num`),
      ghosts: p('SELECT i.mid FROM msg m JOIN id2num x ON x.num = m.num JOIN msgid i ON i.id = x.id WHERE m.tid = ? AND m.num < 0'),
      count: p('SELECT count(*) AS n FROM msg WHERE inbox_id = ? AND num > 0'),
      generation: p('SELECT coalesce(max(num), 0) AS g FROM msg'),
    };
  }

  inboxes(): InboxRow[] {
    return this.st.inboxes.all() as InboxRow[];
  }

  inbox(name: string): InboxRow | undefined {
    return this.st.inboxByName.get(name) as InboxRow | undefined;
  }

  /** Article numbers holding this Message-ID, oldest first; all inboxes when inboxId is null. */
  numsByMid(mid: string, inboxId: number | null = null): number[] {
    return (this.st.numsByMid.all(mid, inboxId, inboxId) as { num: number }[]).map((r) => r.num);
  }

  message(num: number): MessageRow | undefined {
    const r = this.st.message.get(num) as RawRow | undefined;
    return r && toMessage(r);
  }

  /** The exact bytes the message arrived as. */
  raw(num: number): Buffer | undefined {
    const r = this.st.raw.get(num) as { data: Buffer; codec: number } | undefined;
    return r && decompressRaw(r.data, r.codec);
  }

  doc(num: number): Buffer | undefined {
    return (this.st.doc.get(num) as { doc: Buffer | null } | undefined)?.doc ?? undefined;
  }

  /** A thread's messages in one inbox: its tid plus loose same-subject matches, in arrival order. */
  threadMembers(tid: number, sid: number | null, inboxId: number): MessageRow[] {
    return (this.st.threadMembers.all(tid, sid, inboxId) as RawRow[]).map(toMessage);
  }

  /** Message-IDs referenced in a thread that no inbox holds. */
  ghostMids(tid: number): string[] {
    return (this.st.ghosts.all(tid) as { mid: string }[]).map((r) => r.mid);
  }

  messageCount(inboxId: number): number {
    return (this.st.count.get(inboxId) as { n: number }).n;
  }

  /** Grows with every stored message: pages cached under an older generation are stale. */
  generation(): number {
    return (this.st.generation.get() as { g: number }).g;
  }
}
