// The Patchwork API's tokens: made, listed and revoked by `lorekeeper token`, looked up by the API
// for each write. Only a token's sha256 is stored, so a copy of the store gives no one a token.
import { createHash, randomBytes } from 'node:crypto';
import type { Db } from './open-database.js';

export const TOKEN_ROLES = ['maintainer', 'ci'] as const;
/** maintainer: sets the states of its inboxes' patches; ci: posts checks on them. */
export type TokenRole = (typeof TOKEN_ROLES)[number];

export const isTokenRole = (s: string): s is TokenRole => (TOKEN_ROLES as readonly string[]).includes(s);

export interface TokenRow {
  id: number;
  user: string;
  role: TokenRole;
  /** Names of the inboxes it may write to. */
  inboxes: string[];
  created: number;
  revoked: number | null;
}

/** Who a working token speaks for. */
export interface Holder {
  tokenId: number;
  userId: number;
  user: string;
  role: TokenRole;
  inboxIds: Set<number>;
}

/** sha256 of a token, as stored. */
const hashOf = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex');

/** A new token: 40 hex digits, as Patchwork's are. */
const newToken = () => randomBytes(20).toString('hex');

export class TokenError extends Error {}

export class ApiTokens {
  constructor(private readonly db: Db) {}

  /** The id of a user, made on first use (users are shared with replicas: names only). */
  userId(name: string): number {
    this.db.prepare('INSERT OR IGNORE INTO api_user (name) VALUES (?)').run(name);
    return this.db.prepare<[string], number>('SELECT id FROM api_user WHERE name = ?').pluck().get(name)!;
  }

  /** Make a token for `user` writing to these inboxes; the token is returned once and never stored. */
  create(user: string, inboxNames: string[], role: TokenRole, now: number): { id: number; token: string } {
    if (!user.trim()) throw new TokenError('a token needs a user name');
    if (!inboxNames.length) throw new TokenError('a token needs at least one --inbox');
    const token = newToken();
    const id = this.db.transaction(() => {
      const inboxIds = inboxNames.map((name) => {
        const id = this.db.prepare<[string], number>('SELECT id FROM inbox WHERE name = ?').pluck().get(name);
        if (id === undefined) throw new TokenError(`no inbox ${JSON.stringify(name)} in this store`);
        return id;
      });
      const made = this.db
        .prepare('INSERT INTO api_token (user_id, role, hash, created) VALUES (?, ?, ?, ?)')
        .run(this.userId(user), role, hashOf(token), now);
      const tokenId = Number(made.lastInsertRowid);
      const grant = this.db.prepare('INSERT OR IGNORE INTO api_token_inbox (token_id, inbox_id) VALUES (?, ?)');
      for (const inboxId of inboxIds) grant.run(tokenId, inboxId);
      return tokenId;
    })();
    return { id, token };
  }

  list(): TokenRow[] {
    const rows = this.db
      .prepare<[], Omit<TokenRow, 'inboxes'> & { inboxes: string | null }>(
        `SELECT t.id, u.name AS user, t.role, t.created, t.revoked,
                (SELECT group_concat(name, ' ') FROM (SELECT i.name FROM api_token_inbox g JOIN inbox i ON i.id = g.inbox_id
                 WHERE g.token_id = t.id ORDER BY i.name)) AS inboxes
         FROM api_token t JOIN api_user u ON u.id = t.user_id ORDER BY t.id`,
      )
      .all();
    return rows.map((r) => ({ ...r, inboxes: r.inboxes ? r.inboxes.split(' ') : [] }));
  }

  /** Revoke a token by id; false when there is no such token or it was revoked already. */
  revoke(id: number, now: number): boolean {
    return (
      this.db.prepare('UPDATE api_token SET revoked = ? WHERE id = ? AND revoked IS NULL').run(now, id).changes > 0
    );
  }

  /** The holder of a working token; 'revoked' for a revoked one; undefined for one never made here. */
  holder(token: string): Holder | 'revoked' | undefined {
    const row = this.db
      .prepare<[string], { id: number; userId: number; user: string; role: TokenRole; revoked: number | null }>(
        `SELECT t.id, t.user_id AS userId, u.name AS user, t.role, t.revoked
         FROM api_token t JOIN api_user u ON u.id = t.user_id WHERE t.hash = ?`,
      )
      .get(hashOf(token));
    if (!row) return undefined;
    if (row.revoked !== null) return 'revoked';
    const inboxIds = this.db
      .prepare<[number], number>('SELECT inbox_id FROM api_token_inbox WHERE token_id = ?')
      .pluck()
      .all(row.id);
    return { tokenId: row.id, userId: row.userId, user: row.user, role: row.role, inboxIds: new Set(inboxIds) };
  }
}
