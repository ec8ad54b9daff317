// /NAME/_/text/KEY/ (views/text.hbs): help (search syntax and endpoints), mirroring, colors and
// config, written as plain text (views/text/KEY.txt) and shown as a page with links, or as
// text/plain under .../raw (WwwText).
import { render, renderText } from '../templates.js';
import { frame } from './frame.js';
import { linkifiedText } from '../../html/linkify.js';
import type { InboxView } from '../site.js';

export const TEXT_KEYS = ['help', 'mirror', 'color', 'config'] as const;
export type TextKey = (typeof TEXT_KEYS)[number];

/** The text itself; `base` is the inbox's absolute URL, ending in '/'. */
export function textOf(key: TextKey, ib: InboxView, base: string): string {
  return renderText(key, { base, name: ib.name, address: ib.address ?? '' });
}

export function textPage(key: TextKey, ib: InboxView, base: string): string {
  return render('text', {
    frame: frame(ib, '../../../', { title: `${key} - ${ib.description}` }),
    text: linkifiedText(textOf(key, ib, base)),
  });
}
