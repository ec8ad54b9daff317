// Trailers (Reviewed-by:, Acked-by:, Tested-by: ...) as b4 finds and trusts them: which lines of
// a body are trailers, which reply bodies give them, and whether the reply's sender is the person
// the trailer names (b4's LoreMessage.find_trailers, get_trailers and LoreTrailer.email_eq).

export interface Trailer {
  name: string;
  value: string;
  /** `# comment` or `[for the foo bits]` kept with the trailer. */
  extinfo?: string;
}

/** Trailers that are not about a person. */
const NON_PERSON = new Set(['fixes', 'subject', 'date', 'link', 'buglink', 'obsoleted-by', 'change-id', 'base-commit']);
const UTILITY = new Set(['fixes', 'link', 'buglink', 'obsoleted-by', 'message-id', 'change-id', 'base-commit']);
/** Header lines in a reply are metadata of the patch it quotes, not trailers it gives. */
const NOT_FOLLOWUP = new Set(['from', 'author', 'cc', 'to']);

/** The review trailers a series page counts and the ledger shows. */
export const REVIEW_TRAILERS = ['reviewed-by', 'acked-by', 'tested-by', 'nacked-by', 'reported-by', 'suggested-by'];

/**
 * Trailer lines of a body (find_trailers): everything up to the signature, with wrapped
 * `Name <addr>` and `Fixes: sha (title` lines rejoined. With `followup`, only trailers that name a
 * person (or are known non-person ones) and carry no URL count, as b4 reads replies.
 */
export function findTrailers(body: string, followup: boolean): { trailers: Trailer[]; others: string[] } {
  let text = body.split('\n-- \n', 1)[0].trim() + '\n';
  text = text.replace(/^(\S+:\s+[\da-f]+\s+\([^)]+)\n([^\n]+\))/gm, '$1 $2');
  // the rejoin needs a line that starts with `<`; without one, skip a regex that backtracks per line
  if (text.includes('\n<')) text = text.replace(/^(\S+:\s+[^<]+)\n(<[^>]+>)$/gm, '$1 $2');
  const trailers: Trailer[] = [];
  const others: string[] = [];
  let wasTrailer = false;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r/g, '');
    const m = /^\s*(\w\S+):\s+(\S.*)/.exec(line);
    if (m) {
      const name = m[1];
      let value = m[2];
      const lname = name.toLowerCase();
      if (lname === 'phone' || lname === 'email') continue;
      if (others.length && (lname === 'subject' || lname === 'date' || lname === 'from')) continue;
      if (followup) {
        if (!/^[\x00-\x7f]*$/.test(lname)) continue;
        if (!/\S+@\S+\.\S+/.test(value) && !NON_PERSON.has(lname)) continue;
        if (/https?:\/\//.test(value)) continue;
      }
      let extinfo: string | undefined;
      const ext = value.includes('#') ? /^(.*\S+)(\s+#[^#]+)$/.exec(value) : null;
      if (ext) [, value, extinfo] = ext;
      trailers.push(extinfo === undefined ? { name, value } : { name, value, extinfo });
      wasTrailer = true;
      continue;
    }
    if (line.length > 2 && wasTrailer && /^\s*\[[^\]]+]\s*$/.test(line)) {
      trailers[trailers.length - 1].extinfo = line;
      wasTrailer = false;
      continue;
    }
    wasTrailer = false;
    others.push(line);
  }
  return { trailers, others };
}

/** The trailers a reply gives (b4 keeps those of replies only, minus patch-metadata headers). */
export function followupTrailers(body: string): Trailer[] {
  return findTrailers(body, true).trailers.filter((t) => !NOT_FOLLOWUP.has(t.name.toLowerCase()));
}

export type TrailerKind = 'person' | 'utility' | 'unknown';

export function trailerKind(t: Trailer): TrailerKind {
  if (UTILITY.has(t.name.toLowerCase()) || t.value.includes('://')) return 'utility';
  return /\S+@\S+\.\S+/.test(t.value) ? 'person' : 'unknown';
}

/** Name and address of a person trailer's value (`A B <a@b>`, or a bare address). */
export function trailerAddress(value: string): { name: string; address: string } {
  const m = /^\s*"?([^"<]*?)"?\s*<([^>]+)>/.exec(value);
  if (m) return { name: m[1].trim(), address: m[2].trim() };
  const bare = /(\S+@\S+)/.exec(value);
  return { name: '', address: bare ? bare[1] : value.trim() };
}

/**
 * Is `addr` the trailer's address, allowing `foo+list@` for `foo@` and a subdomain difference of
 * one label (LoreTrailer.email_eq with fuzzy matching)?
 */
export function sameAddress(a: string, b: string): boolean {
  let our = a.toLowerCase();
  let their = b.toLowerCase();
  if (our === their) return true;
  if (!our.includes('@') || !their.includes('@')) return false;
  our = our.replace(/\+[^@]+@/, '@');
  their = their.replace(/\+[^@]+@/, '@');
  if (our === their) return true;
  const [ol, od] = [our.slice(0, our.indexOf('@')), our.slice(our.indexOf('@') + 1)];
  const [tl, td] = [their.slice(0, their.indexOf('@')), their.slice(their.indexOf('@') + 1)];
  if (ol !== tl) return false;
  const dots = (s: string) => s.split('.').length - 1;
  return Math.abs(dots(od) - dots(td)) === 1 && (od.endsWith(`.${td}`) || td.endsWith(`.${od}`));
}

/**
 * Does a trailer come from the person it names (get_trailers)? Person trailers must match the
 * sender's address, or at least the sender's name; other trailers are always accepted.
 */
export function trailerMatchesSender(t: Trailer, fromName: string, fromAddr: string): boolean {
  if (trailerKind(t) !== 'person') return true;
  const who = trailerAddress(t.value);
  if (sameAddress(who.address, fromAddr)) return true;
  const tl = who.name.toLowerCase();
  const hl = (fromName || fromAddr).toLowerCase();
  if (tl === hl) return true;
  // "Last, First" senders: every part of the name must appear (b4's fuzzy name match)
  return hl.indexOf(',') > 0 && hl.split(',').every((part) => hl.includes(part.trim()));
}
