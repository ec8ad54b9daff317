// Subjects: public-inbox's normalisation for loose threading, and patch tags as b4 reads them.
import { createHash } from 'node:crypto';

/** One leading `Re: `, surrounding and repeated whitespace and trailing dots go (Smsg::subject_normalized). */
export function normalizeSubject(subject: string): string {
  return subject
    .replace(/^\s+/, '')
    .replace(/\s+$/, '')
    .replace(/\s+/g, ' ')
    .replace(/\.+$/, '')
    .replace(/^re:\s+/i, '');
}

/**
 * The key messages share when their normalised subjects are equal (OverIdx::subject_path then
 * id_compress): lower-cased with runs of other characters as '_', hashed when long or non-ASCII.
 * Empty subjects have no key.
 */
export function subjectKey(subject: string): string | null {
  if (subject === '') return null;
  const path = normalizeSubject(subject)
    .replace(/[^\p{L}\p{N}\p{M}_.~/-]+/gu, '_')
    .toLowerCase();
  if (/[^a-zA-Z0-9_-]/.test(path) || path.length > 40) return createHash('sha1').update(path, 'utf8').digest('hex');
  return path;
}

export interface PatchTag {
  /** True for replies (`Re:`, `Aw:`, `Fwd:`, `xx: [`): b4 does not parse those any further. */
  reply: boolean;
  /** A `[PATCH ...]` prefix was present. */
  patch: boolean;
  rfc: boolean;
  resend: boolean;
  /** 1 unless a `vN` (or partial reroll `vN.M`) tag says otherwise. */
  version: number;
  /** Position in the series: 0 for a cover letter, 1 when there is no counter. */
  counter: number;
  /** Series length (N of M/N); 1 when there is no counter. */
  total: number;
  counterInferred: boolean;
  versionInferred: boolean;
  /** All bracketed prefixes, e.g. ['PATCH', 'v7', '03/16']. */
  prefixes: string[];
  /** Where the patches are aimed, from the prefixes (patchTarget). */
  target: PatchTarget;
  /** The subject without its bracketed prefixes. */
  title: string;
}

/** Parse `[RFC PATCH v3 2/7] foo`, `[PATCHv3]`, `[PATCH 6/5]`, `[PATCH v5.1 10/12]` as b4's LoreSubject does. */
export function parsePatchSubject(raw: string): PatchTag {
  let subject = raw.replace(/\s+/g, ' ').trim();
  const tag: PatchTag = {
    reply: false,
    patch: false,
    rfc: false,
    resend: false,
    version: 1,
    counter: 1,
    total: 1,
    counterInferred: true,
    versionInferred: true,
    prefixes: [],
    title: subject,
    target: NO_TARGET,
  };
  if (/^(Re|Aw|Fwd):/i.test(subject) || /^\w{2,3}:\s*\[/.test(subject)) {
    tag.reply = true;
    return tag;
  }
  // flatten brackets inside brackets
  for (;;) {
    const old = subject;
    subject = subject.replace(/\[([^\]]*)\[([^[\]]*)]/, '[$1$2]').replace(/\[([^\]]*)]([^[\]]*)]/, '[$1$2]');
    if (old === subject) break;
  }
  while (subject.startsWith('[')) {
    const m = /^\[([^\]]*)]/.exec(subject);
    if (!m) break;
    const bracketed = m[1].trim().replace(/(patch)(v\d+)/gi, '$1 $2');
    for (let chunk of bracketed.split(/\s+/)) {
      chunk = chunk.replace(/^[,;]+|[,;]+$/g, '');
      if (!chunk) continue;
      if (/^\d{1,4}\/\d{1,4}$/.test(chunk)) {
        const [c, t] = chunk.split('/').map(Number);
        tag.counter = c;
        tag.total = t;
        tag.counterInferred = false;
      } else if (/^v\d+(\.\d+)?$/i.test(chunk)) {
        tag.version = Number(chunk.slice(1));
        tag.versionInferred = false;
      } else if (chunk.toLowerCase().startsWith('rfc')) tag.rfc = true;
      else if (chunk.toLowerCase().startsWith('resend')) tag.resend = true;
      else if (chunk.toLowerCase().startsWith('patch')) tag.patch = true;
      tag.prefixes.push(chunk);
    }
    subject = subject.replace(/^\s*\[[^\]]*]\s*/, '');
  }
  tag.title = subject;
  tag.target = patchTarget(tag.prefixes);
  return tag;
}

/**
 * Where a series is aimed, as its prefix says: a stable branch (`[PATCH 5.4 070/130]`, AUTOSEL's
 * `[PATCH AUTOSEL 4.19 49/87]`), a tree (`net`, `net-next`, `bpf-next`, `-next`) or another
 * project (`virtiofsd`, `kvm-unit-tests`). Series aimed at different targets are never versions of
 * each other: the same fix for five stable branches is five series.
 */
export interface PatchTarget {
  /** The stable branch, 'autosel 4.19' for AUTOSEL's batches; '' for a series aimed at mainline. */
  stable: string;
  /** The tree or project tags, lower-cased, space-separated; '' when the prefix names none. */
  tree: string;
}

export const NO_TARGET: PatchTarget = { stable: '', tree: '' };

/** Prefix words that say what kind of posting it is, not where it goes (b4's and people's). */
const NOT_A_TARGET =
  /^((patch|rfc|resend)[\w-]*|rft|cft|resent|repost|resubmit\w*|untested|for|don't|do|not|apply|merge|bug|fix|git|pull|v\d+(\.\d+)?|\d{1,4}\/\d{1,4})$/i;

/** The target of a posting from its bracketed prefixes (PatchTag.prefixes). */
export function patchTarget(prefixes: string[]): PatchTarget {
  let autosel = false;
  let branch = '';
  const tree: string[] = [];
  for (const raw of prefixes) {
    const word = raw.toLowerCase();
    if (word === 'autosel') autosel = true;
    // stable branches are numbered (5.4, 4.19, 6.1.y); 'stable' alone names no branch
    else if (/^\d+\.\d+(\.y|\.\d+)?(-stable)?$/.test(word) || word === 'stable') branch = word.replace(/-stable$/, '');
    else if (!NOT_A_TARGET.test(word)) tree.push(word === 'linux-next' || word === '-next' ? 'next' : word);
  }
  return {
    stable: autosel ? `autosel ${branch}`.trim() : branch,
    tree: [...new Set(tree)].sort().join(' '),
  };
}
