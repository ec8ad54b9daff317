// /NAME/_/text/KEY/ (views/text.hbs): help (search syntax and endpoints), mirroring, colors and
// config, written as plain text (views/text/KEY.txt) and shown as a page with links, or as
// text/plain under .../raw (WwwText). The mirror page names the commands that clone what the inbox
// publishes (its epochs, or a mirrored v1 inbox's one repository).
import { render, renderText } from '../templates.js';
import { frame } from './frame.js';
import { linkifiedText } from '../../html/linkify.js';
import type { InboxView } from '../site.js';
import type { PublishedRepo } from '../../mirror/published.js';

export const TEXT_KEYS = ['help', 'mirror', 'color', 'config'] as const;
export type TextKey = (typeof TEXT_KEYS)[number];

/** A name inside a git config section header: `"` and `\` escaped (public-inbox's dq_escape). */
const dqEscape = (s: string) => s.replace(/(["\\])/g, '\\$1');

/** The text itself; `base` is the inbox's absolute URL, ending in '/'. */
export function textOf(key: TextKey, ib: InboxView, base: string, repos: PublishedRepo[]): string {
  const v1 = repos.length === 1 && repos[0].epoch === undefined;
  return renderText(key, {
    base,
    name: ib.name,
    configName: dqEscape(ib.name),
    address: ib.address ?? '',
    upstream: ib.upstream,
    v1,
    epochs: v1 ? [] : repos.map((r) => r.epoch),
    cloneable: repos.length > 0,
  });
}

export function textPage(key: TextKey, ib: InboxView, base: string, repos: PublishedRepo[]): string {
  return render('text', {
    frame: frame(ib, '../../../', { title: `${key} - ${ib.description}` }),
    text: linkifiedText(textOf(key, ib, base, repos)),
  });
}
