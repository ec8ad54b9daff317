// The text part of a message that b4 reads (LoreMessage's body): the first text/plain or
// text/x-patch part, or a later one that holds a diff. Ingest derives the series facts from it and
// series pages show and compare it, so both must pick the same part.

/** b4's DIFF_RE: what makes a body a patch. */
export const B4_DIFF = /^(---.*\n\+\+\+|GIT binary patch|diff --git \w\/\S+ \w\/\S+)/im;

/**
 * The body b4 reads among a message's parts, in order; null without a plain or x-patch part with
 * text. `textOf` is asked only for plain and x-patch parts.
 */
export function b4Body<P extends { ct: string }>(
  parts: Iterable<P>,
  textOf: (part: P) => string | undefined,
): string | null {
  let body: string | null = null;
  for (const part of parts) {
    if (!/\/plain|\/x-patch/i.test(part.ct.split(';')[0])) continue;
    const text = textOf(part);
    if (text !== undefined && (body === null || B4_DIFF.test(text))) body = text;
  }
  return body;
}
