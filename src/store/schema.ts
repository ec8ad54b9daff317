// The store's tables as a new store gets them, one comment per column. A store written by an
// earlier release is brought to the same tables by the numbered steps in migrations.ts, whose last
// step's number is the version of these tables.

/**
 * Full text, rowid = msg.num; columns are public-inbox's search prefixes. Contentless: the text
 * lives in the raw blobs, the index only points at messages; a removed message's row can be deleted.
 * Words are kept as written (lowercased, accents kept, as Xapian keeps them), with positions for
 * phrases and wildcards; each z* column holds the porter2 stems of its twin (mail/terms.ts), by
 * which lowercase query words are found, as public-inbox finds them by Xapian's Z terms. One
 * table, so that a query mixing both kinds is one MATCH, ranked by one bm25.
 */
export const FTS_DDL = `
CREATE VIRTUAL TABLE IF NOT EXISTS fts USING fts5(
  s, f, t, c, nq, q, n, dfn, dfa, dfb, dfhh, dfctx, m, l,
  zs, zf, zt, zc, znq, zq, zn, zdfn, zdfa, zdfb, zdfhh, zdfctx, zm, zl,
  content = '', contentless_delete = 1, tokenize = 'unicode61 remove_diacritics 0 tokenchars ''_'''
);
-- merging segments 8 at a time instead of 4 makes bulk ingest ~15% cheaper for the same query speed
INSERT INTO fts (fts, rank) VALUES ('automerge', 8);
`;

/** Which messages hold a blob: a removed message's bytes go when no other message has them. */
export const MSG_BLOB_INDEX = 'CREATE INDEX IF NOT EXISTS msg_blob ON msg (blob_id);';

/** The git history an inbox was taken from (lorekeeper mirror, or ingest of a public-inbox inbox). */
export const EPOCH_DDL = `
CREATE TABLE IF NOT EXISTS epoch (
  inbox_id INTEGER NOT NULL,         -- inbox.id
  epoch INTEGER NOT NULL,            -- N of git/N.git (0 for a v1 inbox)
  tip TEXT NOT NULL,                 -- the last commit taken, hex: the next ingest takes the commits after it
  PRIMARY KEY (inbox_id, epoch)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS upstream (
  inbox_id INTEGER PRIMARY KEY,      -- inbox.id of an inbox lorekeeper mirror keeps current
  url TEXT NOT NULL                  -- the public-inbox URL it mirrors, as last given (the mirror page names it)
);
`;

/**
 * What each commit changed, for servers to drop only the cached pages it made stale. Not part of
 * the archive (the digest leaves it out): a replica keeps its own.
 */
export const CHANGE_DDL = `
CREATE TABLE IF NOT EXISTS change (
  seq INTEGER PRIMARY KEY,           -- in commit order
  key TEXT NOT NULL                  -- what changed: t17 (thread 17), s5 (loose subject 5), c9 (series chain 9), m and a Message-ID, i2 (inbox 2), * (anything)
);
`;

/**
 * Each message's body as HTML, rendered once at ingest (src/html/body-html.ts renderBodyFragment):
 * pages assemble it instead of rendering the body on every request. Derived, like the full text (the
 * digest leaves it out); a missing row or another renderer version's is rendered again by the next
 * ingest, and pages render such a body themselves meanwhile.
 */
export const BODY_HTML_DDL = `
CREATE TABLE IF NOT EXISTS body_html (
  num INTEGER PRIMARY KEY,           -- msg.num
  version INTEGER NOT NULL,          -- BODY_HTML_VERSION of the renderer that wrote it
  html BLOB NOT NULL                 -- the fragment, UTF-8, raw deflate (html-codec.ts)
);
`;

/**
 * The order in which the store took the commits of its epochs, across inboxes: article numbers and
 * thread ids are given in that order, so a replica that takes the commits in it numbers as the
 * writer did. Consecutive commits of one epoch are one row.
 */
export const EPOCH_LOG_DDL = `
CREATE TABLE IF NOT EXISTS epoch_log (
  seq INTEGER PRIMARY KEY,           -- 1, 2, ...: the order of the stretches
  inbox_id INTEGER NOT NULL,         -- inbox.id
  epoch INTEGER NOT NULL,            -- N of git/N.git
  tip TEXT NOT NULL                  -- the stretch's last commit, hex
);
`;

/**
 * A series' life after it was posted, beside what the mail says (store/patch-states.ts): states a
 * maintainer gave patches by hand, and the commits of tracked git branches the patches landed as
 * (lorekeeper applied). Writer state, published to replicas in DATA/admin.git.
 */
export const LIFECYCLE_DDL = `
CREATE TABLE IF NOT EXISTS patch_state (
  num INTEGER PRIMARY KEY,           -- msg.num of the patch (Patchwork's patch id)
  state TEXT NOT NULL,               -- one of PATCH_STATES (Patchwork's slugs): wins over the automatic state
  set_by TEXT NOT NULL,              -- who set it (a token's user, or the command line's)
  set_at INTEGER NOT NULL            -- when, Unix seconds
);
CREATE TABLE IF NOT EXISTS applied (
  num INTEGER NOT NULL,              -- msg.num of the patch that landed
  repo TEXT NOT NULL,                -- the repository it landed in, by name (its directory's, without .git)
  branch TEXT NOT NULL,              -- the tracked ref, as given (refs/heads/master)
  commit_id TEXT NOT NULL,           -- the commit, hex
  how TEXT NOT NULL,                 -- 'patch-id' (git patch-id --stable equal) or 'subject-author' (edited by the maintainer)
  PRIMARY KEY (num, repo, branch)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS applied_scan (
  inbox_id INTEGER NOT NULL,         -- inbox.id whose patches were looked for
  repo TEXT NOT NULL,                -- a repository lorekeeper applied scanned, by name (as applied.repo)
  path TEXT NOT NULL,                -- where it is on the writer (a replica has no scans)
  branch TEXT NOT NULL,              -- a ref of it
  tip TEXT NOT NULL,                 -- the last commit scanned, hex: the next run reads only what came after
  PRIMARY KEY (inbox_id, repo, branch)
) WITHOUT ROWID;
`;

/**
 * What each series shares with the series it may be chained with (series/chains.ts chainKeys: its
 * change-id, title and author, patch-ids and author), hashed: a new series' possible versions are
 * found by it (store/series-writer.ts relinkAround) instead of reading every series of its inbox.
 */
export const SERIES_KEY_DDL = `
CREATE TABLE IF NOT EXISTS series_key (
  inbox_id INTEGER NOT NULL,         -- inbox.id (chains are an inbox's)
  hash INTEGER NOT NULL,             -- the key's SHA-256, first 48 bits
  series_id INTEGER NOT NULL,        -- series.id
  PRIMARY KEY (inbox_id, hash, series_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS series_key_series ON series_key (series_id);
`;

/**
 * The Patchwork REST API's own state (serve/api/): its users and their tokens, which stay on the
 * writer, and what CI systems and maintainers posted through it (checks, state changes), which
 * replicas take over from the writer's DATA/admin.git. Ids are the writer's, so they are equal on
 * every replica.
 */
export const API_DDL = `
CREATE TABLE IF NOT EXISTS api_user (
  id INTEGER PRIMARY KEY,            -- Patchwork's user id, in the order the writer made them
  name TEXT NOT NULL UNIQUE          -- as given to lorekeeper token create --user
);
CREATE TABLE IF NOT EXISTS api_token (
  id INTEGER PRIMARY KEY,            -- what token list shows and token revoke takes
  user_id INTEGER NOT NULL,          -- api_user.id
  role TEXT NOT NULL,                -- 'maintainer' (sets patch states) or 'ci' (posts checks)
  hash TEXT NOT NULL UNIQUE,         -- sha256 of the token, hex: the token itself is never stored
  created INTEGER NOT NULL,          -- Unix seconds
  revoked INTEGER                    -- Unix seconds it was revoked at; NULL while it works
);
CREATE TABLE IF NOT EXISTS api_token_inbox (
  token_id INTEGER NOT NULL,         -- api_token.id
  inbox_id INTEGER NOT NULL,         -- inbox.id of an inbox the token may write to
  PRIMARY KEY (token_id, inbox_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS patch_check (
  id INTEGER PRIMARY KEY,            -- Patchwork's check id, in the order the writer took them
  num INTEGER NOT NULL,              -- msg.num of the patch checked
  user_id INTEGER NOT NULL,          -- api_user.id of the ci token that posted it
  state TEXT NOT NULL,               -- pending, success, warning or fail
  context TEXT NOT NULL,             -- which check ([-a-zA-Z0-9_]+): the latest per user and context counts
  target_url TEXT,                   -- http(s) URL of the check's results, or NULL
  description TEXT,                  -- a line about the result, or NULL
  date INTEGER NOT NULL              -- when it was posted, Unix seconds
);
CREATE INDEX IF NOT EXISTS patch_check_num ON patch_check (num);
CREATE TABLE IF NOT EXISTS state_change (
  id INTEGER PRIMARY KEY,            -- in the order the writer took them (the events API's patch-state-changed)
  num INTEGER NOT NULL,              -- msg.num of the patch
  previous TEXT NOT NULL,            -- its state before (a Patchwork slug)
  current TEXT NOT NULL,             -- the state the maintainer gave it
  user_id INTEGER NOT NULL,          -- api_user.id of the maintainer token
  date INTEGER NOT NULL              -- Unix seconds
);
CREATE INDEX IF NOT EXISTS state_change_num ON state_change (num);
-- people (Patchwork's submitters) are named by their first message: found by address
CREATE INDEX IF NOT EXISTS msg_from_addr ON msg (from_addr, num);
-- cover letters are found by their number; an inbox's series are listed by id and by date
CREATE INDEX IF NOT EXISTS series_cover ON series (cover_num);
CREATE INDEX IF NOT EXISTS series_inbox ON series (inbox_id);
CREATE INDEX IF NOT EXISTS series_inbox_ds ON series (inbox_id, ds);
`;

export const DDL = `
CREATE TABLE IF NOT EXISTS inbox (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,         -- URL path segment, [\\w-][\\w.-]*
  address TEXT,                      -- list posting address: replies' last resort, Atom feed id
  description TEXT                   -- shown atop every page
);

CREATE TABLE IF NOT EXISTS blob (
  id INTEGER PRIMARY KEY,
  sha256 BLOB NOT NULL UNIQUE,       -- of the raw bytes: identical copies (cross-posts) share one blob
  size INTEGER NOT NULL,             -- raw length in bytes
  codec INTEGER NOT NULL,            -- how data is encoded (raw-codec.ts)
  data BLOB NOT NULL                 -- the raw message, compressed
);

-- public-inbox's "over" table: one row per stored message (num > 0) or ghost (num < 0)
CREATE TABLE IF NOT EXISTS msg (
  num INTEGER PRIMARY KEY,           -- article number: arrival order; negative for ghosts (referenced, not held)
  inbox_id INTEGER,                  -- NULL for ghosts
  tid INTEGER NOT NULL,              -- thread id (References/In-Reply-To graph, merged on arrival)
  sid INTEGER,                       -- subject.id of the normalised subject: loose thread matches
  ts INTEGER NOT NULL DEFAULT 0,     -- arrival time (first Received:, else Date:), Unix seconds
  ds INTEGER NOT NULL DEFAULT 0,     -- sent time (Date:, else Received:), Unix seconds
  blob_id INTEGER,                   -- blob.id of the raw bytes
  mid TEXT,                          -- primary Message-ID (generated @z id when the mail had none)
  chash BLOB,                        -- public-inbox content hash: same mid + same chash = duplicate
  subject TEXT,                      -- decoded Subject (all instances, ', '-joined)
  from_names TEXT,                   -- display names of From (local parts where unnamed)
  from_addr TEXT,                    -- first From address
  refs TEXT,                         -- ids to thread by, newline-separated, oldest first
  doc BLOB,                          -- reading model (message-doc.ts), deflated
  quarantine TEXT,                   -- why the message could not be analyzed; NULL when fine
  has_diff INTEGER NOT NULL DEFAULT 0,
  patch_version REAL,                -- vN (5.1 for partial rerolls) from [PATCH vN M/T]; NULL if not a patch
  patch_counter INTEGER,             -- M: 0 for a cover letter
  patch_total INTEGER,               -- T
  patch_flags INTEGER,               -- 1 RFC, 2 RESEND, 4 reply
  irt TEXT,                          -- first id of In-Reply-To (b4 follows these)
  b4_diff INTEGER NOT NULL DEFAULT 0,      -- the body b4 reads holds a diff
  b4_diffstat INTEGER NOT NULL DEFAULT 0,  -- ... a diffstat (how b4 spots an unnumbered cover letter)
  change_id TEXT,                    -- change-id: line of the body
  base_commit TEXT                   -- base-commit: line of the body
);
CREATE INDEX IF NOT EXISTS msg_tid ON msg (tid);
CREATE INDEX IF NOT EXISTS msg_sid ON msg (sid);
CREATE INDEX IF NOT EXISTS msg_inbox_ts ON msg (inbox_id, ts);
CREATE INDEX IF NOT EXISTS msg_ds ON msg (ds);
${MSG_BLOB_INDEX}

CREATE TABLE IF NOT EXISTS msgid (
  id INTEGER PRIMARY KEY,
  mid TEXT NOT NULL UNIQUE           -- a Message-ID, held or ghost
);
CREATE TABLE IF NOT EXISTS id2num (
  id INTEGER NOT NULL,               -- msgid.id
  num INTEGER NOT NULL,              -- msg.num: every Message-ID and X-Alt-Message-ID of a message maps to it
  PRIMARY KEY (id, num)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS id2num_num ON id2num (num);

CREATE TABLE IF NOT EXISTS subject (
  id INTEGER PRIMARY KEY,
  key TEXT NOT NULL UNIQUE           -- subjectKey() of the normalised subject
);

-- also 'article': the last num given (a removed message's number is never given again); 'edits'
-- counts every change but new mail (removals and edits from upstream too). Said out here because
-- a table's text is its definition, which an upgraded store's must equal.
CREATE TABLE IF NOT EXISTS counter (
  key TEXT PRIMARY KEY,              -- 'thread' (last tid), 'ghost' (last, negative, ghost num),
  val INTEGER NOT NULL               -- 'edits' (administrator changes, which pages cached before are stale after)
);
INSERT OR IGNORE INTO counter (key, val) VALUES ('thread', 0), ('ghost', 0), ('edits', 0), ('article', 0);

CREATE TABLE IF NOT EXISTS blob_oid (
  num INTEGER NOT NULL,              -- msg.num
  post INTEGER NOT NULL,             -- 0: pre-image (index a..), 1: post-image (index ..b)
  oid TEXT NOT NULL                  -- abbreviated git blob id from a diff's index line
);
CREATE INDEX IF NOT EXISTS blob_oid_oid ON blob_oid (oid);
CREATE INDEX IF NOT EXISTS blob_oid_num ON blob_oid (num);

CREATE TABLE IF NOT EXISTS patchid (
  num INTEGER NOT NULL,              -- msg.num
  patchid TEXT NOT NULL              -- git patch-id --stable of a diff in the message
);
CREATE INDEX IF NOT EXISTS patchid_patchid ON patchid (patchid);
CREATE INDEX IF NOT EXISTS patchid_num ON patchid (num);

CREATE TABLE IF NOT EXISTS msg_trailer (
  num INTEGER NOT NULL,              -- msg.num of a message without a diff (a possible review reply)
  pos INTEGER NOT NULL,              -- order in the body
  name TEXT NOT NULL,                -- as written: Reviewed-by, Acked-by ...
  value TEXT NOT NULL,               -- A U Thor <a@example.org>
  PRIMARY KEY (num, pos)
) WITHOUT ROWID;

-- patch series, assembled per thread after each ingest (series/assemble.ts); a series' id is the
-- msg.num of its first own patch (not one borrowed from an earlier version), the same whatever
-- batches the messages came in
CREATE TABLE IF NOT EXISTS series (
  id INTEGER PRIMARY KEY,
  inbox_id INTEGER NOT NULL,
  tid INTEGER NOT NULL,              -- the thread it was assembled from
  version REAL NOT NULL,             -- vN; 5.1 for a partial reroll
  total INTEGER NOT NULL,            -- N of M/N
  cover_num INTEGER,                 -- msg.num of the cover letter, if any
  first_num INTEGER NOT NULL,        -- cover letter, else the lowest-numbered patch: the series' address
  title TEXT NOT NULL,               -- subject without its [PATCH ...] prefixes
  author TEXT NOT NULL,
  author_addr TEXT NOT NULL,
  ds INTEGER NOT NULL,               -- when it was sent (first message)
  ts INTEGER NOT NULL,               -- newest activity in its thread (series list order)
  present INTEGER NOT NULL,          -- patches we hold
  complete INTEGER NOT NULL,         -- all of 1..N arrived (partial rerolls filled from the previous version)
  rfc INTEGER NOT NULL DEFAULT 0,
  resend INTEGER NOT NULL DEFAULT 0,
  change_id TEXT,
  base_commit TEXT,
  reviews INTEGER NOT NULL DEFAULT 0, -- Reviewed/Acked/Tested-by trailers collected from replies
  chain INTEGER                      -- id of the first series of its version chain
);
-- (tid, inbox_id): a message page finds its thread's series by both; inbox_id alone would scan an inbox's series
CREATE INDEX IF NOT EXISTS series_tid_inbox ON series (tid, inbox_id);
CREATE INDEX IF NOT EXISTS series_inbox_ts ON series (inbox_id, ts);
CREATE INDEX IF NOT EXISTS series_chain ON series (chain);

CREATE TABLE IF NOT EXISTS series_patch (
  series_id INTEGER NOT NULL,
  counter INTEGER NOT NULL,          -- M of M/N (0: cover letter)
  num INTEGER NOT NULL,              -- msg.num
  patch_id TEXT,                     -- git patch-id --stable, for unchanged-since and trailer carry-over
  from_version REAL,                 -- set when a partial reroll reuses the previous version's patch
  PRIMARY KEY (series_id, counter)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS series_patch_num ON series_patch (num);

CREATE TABLE IF NOT EXISTS series_trailer (
  series_id INTEGER NOT NULL,
  counter INTEGER NOT NULL,          -- patch it applies to; 0 = the cover letter (so, every patch)
  name TEXT NOT NULL,
  value TEXT NOT NULL,
  from_num INTEGER NOT NULL,         -- msg.num of the reply that gave it
  matched INTEGER NOT NULL           -- 1 when the trailer names the reply's sender (b4 applies only those)
);
CREATE INDEX IF NOT EXISTS series_trailer_series ON series_trailer (series_id);

-- inboxes whose version chains wait to be recomputed (at the end of an ingest, or the next one's)
CREATE TABLE IF NOT EXISTS series_dirty (
  inbox_id INTEGER PRIMARY KEY
);

${SERIES_KEY_DDL}
-- an administrator's corrections to automatic version chains (lorekeeper series link/unlink)
CREATE TABLE IF NOT EXISTS series_link (
  a_mid TEXT NOT NULL,               -- a message of one series
  b_mid TEXT NOT NULL,               -- a message of another
  linked INTEGER NOT NULL,           -- 1: same series, other versions; 0: never chain these two
  PRIMARY KEY (a_mid, b_mid)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS list_id (
  num INTEGER NOT NULL,              -- msg.num
  lid TEXT NOT NULL                  -- List-Id inside <>, lower-cased (lid:)
);
CREATE INDEX IF NOT EXISTS list_id_lid ON list_id (lid);

${EPOCH_DDL}
${CHANGE_DDL}
${BODY_HTML_DDL}
${EPOCH_LOG_DDL}
${LIFECYCLE_DDL}
${API_DDL}
${FTS_DDL}`;
