// What a public-inbox commit says about the message it holds (Import.pm's extract_cmt_info): the
// author from From, the sent and arrival dates, the subject as the commit message. Computed from
// columns the store keeps, so that a message committed as it arrives and one committed later from
// the store make the same commit, and the same mail the same history on any machine.

/** The stored columns a commit is made from (a quarantined message has them empty, and zero). */
export interface CommitFacts {
  fromNames: string;
  fromAddr: string;
  subject: string;
  /** Sent time (Date:), Unix seconds: the author date. */
  ds: number;
  /** Arrival time (first Received:), Unix seconds: the committer date. */
  ts: number;
}

/** The lines of `git fast-import`'s commit command: who and when, and the message. */
export interface EpochCommit {
  /** `name <email> seconds +0000`, for both author and committer lines. */
  author: string;
  committer: string;
  /** The subject and a newline. */
  message: string;
}

/**
 * git refuses `<`, `>` and newlines in an ident (fast-import stops on them) and its fsck a name
 * that is missing; other control characters would only garble `git log`.
 */
const identName = (s: string) =>
  s
    .replace(/[<>]/g, '')
    .replace(/[\x00-\x1f\x7f]+/g, ' ')
    .trim();
const identEmail = (s: string) => s.replace(/[<>\s\x00-\x1f\x7f]/g, '');
/** git's dates are unsigned; mail from before 1970 (or with no date) is dated 0. */
const when = (t: number) => `${Math.max(0, Math.floor(t))} +0000`;

export function epochCommit(f: CommitFacts): EpochCommit {
  const email = identEmail(f.fromAddr);
  const name = identName(f.fromNames) || email.replace(/@.*$/, '') || 'unknown';
  const who = `${name} <${email}>`;
  const subject = f.subject.replace(/[\x00-\x1f\x7f]+/g, ' ').trim() || '(no subject)';
  return { author: `${who} ${when(f.ds)}`, committer: `${who} ${when(f.ts)}`, message: subject + '\n' };
}
