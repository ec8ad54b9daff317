// Quoted versus unquoted text: runs of lines starting with '>' (MsgIter::split_quotes).

export interface Section {
  quoted: boolean;
  text: string;
}

/** Split text into alternating runs of unquoted and `>`-quoted lines; every line keeps its newline. */
export function splitQuotes(text: string): Section[] {
  const s = text.endsWith('\n') ? text : text + '\n';
  const out: Section[] = [];
  const re = /(?:^>[^\n]*\n)+/gm;
  let prev = 0;
  for (const m of s.matchAll(re)) {
    if (m.index > prev) out.push({ quoted: false, text: s.slice(prev, m.index) });
    out.push({ quoted: true, text: m[0] });
    prev = m.index + m[0].length;
  }
  if (prev < s.length) out.push({ quoted: false, text: s.slice(prev) });
  return out;
}
