// A Message-ID as a relative URL path segment: escaped as public-inbox escapes it, and never
// readable as a URL scheme, whatever the id holds.
import { midEscape } from '../mail/message-id.js';
import { asciiHtml } from './escape.js';

/**
 * An href starting with `name:` is an absolute URL of that scheme (javascript:, mailto:, vscode:
 * ...) however it was meant; a Message-ID may start that way, so it then gets a `./` in front.
 */
const LOOKS_LIKE_SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:/;

/** For templates, which escape it: the id's path segment. */
export function midHref(mid: string): string {
  const escaped = midEscape(mid);
  return LOOKS_LIKE_SCHEME.test(escaped) ? `./${escaped}` : escaped;
}

/** For renderers writing HTML themselves: the same, HTML-escaped. */
export function midPath(mid: string): string {
  return asciiHtml(midHref(mid));
}
