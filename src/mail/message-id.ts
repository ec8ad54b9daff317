// Message-ID rules exactly as public-inbox applies them (PublicInbox::MID, Smsg::parse_references).
import { createHash } from 'node:crypto';
import type { HeaderBlock } from './headers.js';
import { addressList } from './addresses.js';

/** Xapian's term limit minus the 'Q' prefix: public-inbox truncates ids to this many characters. */
export const MAX_MID_SIZE = 244;

const MID_EXTRACT = /<([^>]+)>/g;

/** Every `<id>` in each value; a value without brackets contributes itself whole (MID.pm extract_mids). */
export function extractIds(values: string[]): string[] {
  const ids: string[] = [];
  for (const value of values) {
    const found = [...value.matchAll(MID_EXTRACT)].map((m) => m[1]);
    if (found.length) ids.push(...found);
    else ids.push(value);
  }
  return ids;
}

/** Strip CR/LF/TAB, cap at MAX_MID_SIZE, drop repeats (and anything in `seen`), keeping order. */
export function uniqIds(ids: string[], seen = new Set<string>()): string[] {
  const out: string[] = [];
  for (let id of ids) {
    id = id.replace(/[\n\t\r]/g, '');
    if (id.length > MAX_MID_SIZE) id = id.slice(0, MAX_MID_SIZE);
    if (seen.has(id)) continue;
    seen.add(id);
    out.push(id);
  }
  return out;
}

/** All ids of every Message-ID header; an empty header counts as missing (public-inbox 1.9 made it ''). */
export function messageIds(h: HeaderBlock): string[] {
  return uniqIds(extractIds(h.all('message-id'))).filter((id) => id !== '');
}

/** Message-ID plus X-Alt-Message-ID: every id a message is reachable under. */
export function messageIdsForIndex(h: HeaderBlock): string[] {
  return uniqIds(extractIds([...h.all('message-id'), ...h.all('x-alt-message-id')])).filter((id) => id !== '');
}

/**
 * References then In-Reply-To, deduplicated, without ids that are really one of the
 * From/To/Cc addresses or the y/n answers old git-send-email prompts collected (MID.pm references).
 */
export function references(h: HeaderBlock): string[] {
  const ids: string[] = [];
  for (const name of ['references', 'in-reply-to']) {
    for (const v of h.all(name)) ids.push(...[...v.matchAll(MID_EXTRACT)].map((m) => m[1]));
  }
  const seen = new Set(['y', 'n']);
  const addressHeaders = ['to', 'from', 'cc'].flatMap((name) => h.all(name));
  // parsing long Cc lists is costly: only when some id is written there at all
  if (ids.some((id) => addressHeaders.some((v) => v.includes(id)))) {
    for (const v of addressHeaders) for (const a of addressList(v)) seen.add(a.address);
  }
  return uniqIds(ids, seen);
}

/**
 * The ids used to thread a message (Smsg::parse_references): its references, plus its own
 * extra Message-IDs when it has several, never its primary id, never over-long ids.
 */
export function threadingRefs(refs: string[], mids: string[], primary: string): string[] {
  const all = mids.length > 1 ? [...refs, ...mids] : refs;
  const seen = new Set([primary]);
  const keep: string[] = [];
  for (const r of all) {
    if (r.length > MAX_MID_SIZE || seen.has(r)) continue;
    seen.add(r);
    keep.push(r);
  }
  return keep;
}

/**
 * The id public-inbox gives a message without one: `YYYYmmddHHMMSS.<digest>@z`, from its Date
 * and content digest, so re-ingesting the same message yields the same id (Import.pm).
 */
export function generatedMessageId(dateSeconds: number, contentDigest: Buffer): string {
  const d = new Date(Math.max(0, dateSeconds) * 1000);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  const stamp =
    pad(d.getUTCFullYear(), 4) +
    pad(d.getUTCMonth() + 1) +
    pad(d.getUTCDate()) +
    pad(d.getUTCHours()) +
    pad(d.getUTCMinutes()) +
    pad(d.getUTCSeconds());
  return `${stamp}.${contentDigest.toString('base64url')}@z`;
}

/** RFC 3986 pchar minus '%' and '/': what stays literal in a Message-ID path segment (MID_ESC). */
const MID_SAFE = /[A-Za-z0-9\-._~!$&'()*+,;=:@]/;
/** An id made only of MID_SAFE characters: escaped, it is itself. */
const ALL_MID_SAFE = new RegExp(`^${MID_SAFE.source}*$`);

/** Percent-encode a Message-ID for a URL path segment the way public-inbox does (uri_escape_utf8). */
export function midEscape(mid: string): string {
  // most ids need no escape, and pages print hundreds of them
  if (ALL_MID_SAFE.test(mid)) return mid;
  let out = '';
  for (const ch of mid) {
    if (ch.length === 1 && MID_SAFE.test(ch)) out += ch;
    else for (const b of Buffer.from(ch, 'utf8')) out += '%' + b.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

/** Decode one path segment once; invalid escapes stay literal and '+' is not a space (URI::Escape). */
export function midUnescape(segment: string): string {
  const bytes: number[] = [];
  const src = Buffer.from(segment, 'utf8');
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (c === 0x25 && i + 2 < src.length && isHex(src[i + 1]) && isHex(src[i + 2])) {
      bytes.push(parseInt(String.fromCharCode(src[i + 1], src[i + 2]), 16));
      i += 2;
    } else bytes.push(c);
  }
  return Buffer.from(bytes).toString('utf8');
}

function isHex(c: number | undefined): boolean {
  return c !== undefined && ((c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66));
}

/**
 * Anchors made lately: a thread page names each message's several times (its entry, its overview
 * row, the mini-overviews around it). Cleared when full, and only ids of a sane length are kept
 * (a hostile one may be huge), which keeps it bounded.
 */
const anchors = new Map<string, string>();
const ANCHORS_MAX = 4096;
const ANCHORED_ID_MAX = 256;

/** SHA-1 hex of the UTF-8 id: the HTML anchor public-inbox uses for a message (id_compress(mid, 1)). */
export function midAnchor(mid: string): string {
  let anchor = anchors.get(mid);
  if (anchor === undefined) {
    anchor = createHash('sha1').update(mid, 'utf8').digest('hex');
    if (anchors.size >= ANCHORS_MAX) anchors.clear();
    if (mid.length <= ANCHORED_ID_MAX) anchors.set(mid, anchor);
  }
  return anchor;
}
