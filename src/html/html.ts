// Markup that is already HTML: the only way a string reaches a page unescaped. Made by the renderers
// of this folder (bodies, quotes, diffs, links, thread overviews), each tested against hostile mail;
// templates print it as it is and escape everything else.
import { asciiHtml } from './escape.js';

export class Html {
  readonly html: string;

  constructor(html: string) {
    this.html = html;
  }

  /** What handlebars' escaping prints for it: the markup itself. */
  toHTML(): string {
    return this.html;
  }

  toString(): string {
    return this.html;
  }
}

/** Escape text for a page (lorekeeper's 7-bit escaping): the default for every template field. */
export function escapeField(value: unknown): string {
  if (value instanceof Html) return value.html;
  if (value === undefined || value === null) return '';
  return asciiHtml(String(value));
}

export const EMPTY_HTML = new Html('');
