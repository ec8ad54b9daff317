// A patch's name as Patchwork shows it (parser.py's clean_subject): Re:/Fwd: and the PATCH
// prefix go, the other bracketed prefixes stay, comma-joined: `[PATCH v2 3/5] x` is `[v2,3/5] x`.

/** Prefix words of one bracket: Mercurial's `PATCH m of n` kept as one, the rest split on commas and spaces. */
function splitPrefixes(prefix: string): string[] {
  const tokens: string[] = [];
  const hg = /^PATCH (\d+ of \d+)(.*)$/.exec(prefix);
  if (hg) {
    tokens.push('PATCH', hg[1]);
    prefix = hg[2];
  }
  return [...tokens, ...prefix.split(/[,\s]+/).filter((s) => s !== '')];
}

const normaliseSpace = (s: string) => s.replace(/\s+/g, ' ').trim();

export function cleanSubject(subject: string): { name: string; prefixes: string[] } {
  let s = normaliseSpace(subject.replace(/^(re|fwd?)[:\s]\s*/i, ' '));
  const prefixes: string[] = [];
  for (let m = /^\[([^\]]*)\]\s*(.*)$/s.exec(s); m; m = /^\[([^\]]*)\]\s*(.*)$/s.exec(s)) {
    prefixes.push(...splitPrefixes(m[1]).filter((p) => p.toLowerCase() !== 'patch'));
    s = m[2];
  }
  s = normaliseSpace(s);
  return { name: prefixes.length ? `[${prefixes.join(',')}] ${s}` : s, prefixes };
}
