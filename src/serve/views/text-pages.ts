// /NAME/_/text/KEY/: help (search syntax and endpoints), mirroring, colors and config, as HTML
// or as text/plain under .../raw (WwwText).
import { render } from '../templates.js';
import { frame } from './frame.js';
import { linkify } from '../html/linkify.js';
import type { InboxView } from '../site.js';

function help(base: string): string {
  return `lorekeeper help for ${base}

overview
--------

  Messages are addressed by their Message-ID, as on any public-inbox
  archive.  Substitute a Message-ID (without the leading '<' or
  trailing '>') into the URL:

    ${base}<Message-ID>/

  Forward slash ('/') characters in Message-IDs need to be escaped
  as "%2F" (without quotes).

search
------

  Type a query in the search box; terms are ANDed.  AND, OR, NOT,
  '+' (required), '-' (excluded), parentheses, "quoted phrases" and
  trailing '*' wildcards (ab*) are understood.  Results come newest
  first (by arrival); add &r to the URL for relevance order.

  Prefixes limit a term to a field:

    s:        match within Subject  e.g. s:"a quick brown fox"
    d:        match date-time range, git "approxidate" formats supported
              Open-ended ranges such as \`d:last.week..' and
              \`d:..2.days.ago' are supported
    b:        match within message body, including text attachments
    nq:       match non-quoted text within message body
    q:        match quoted text within message body
    n:        match filename of attachment(s)
    t:        match within the To header
    c:        match within the Cc header
    f:        match within the From header
    a:        match within the To, Cc, and From headers
    tc:       match within the To and Cc headers
    l:        match contents of the List-Id header
    bs:       match within the Subject and body
    dfn:      match filename from diff
    dfa:      match diff removed (-) lines
    dfb:      match diff added (+) lines
    dfhh:     match diff hunk header context (usually a function name)
    dfctx:    match diff context lines
    dfpre:    match pre-image git blob ID
    dfpost:   match post-image git blob ID
    dfblob:   match either pre or post-image git blob ID
    patchid:  match \`git patch-id --stable' output
    rt:       match received time, like \`d:' if sender's clock was correct
    dt:       match date-time: d: with hours, minutes and seconds
    m:        match words of a Message-ID (wildcards allowed)
    mid:      match a Message-ID exactly

  Dates: d:20230101..20230201, d:20230101.. (open), d:..20230201,
  d:2023-01-01 (that day and the next, as public-inbox does), and
  relative forms such as d:2.weeks.ago.. or d:last.week..

  Downloads: the results page offers every match, or every whole
  thread with a match, as one gzipped mbox (a POST, as for b4 and lei).

message threading
-----------------

  * ${base}<Message-ID>/T/#u

    The thread of the message in flat chronological order.

  * ${base}<Message-ID>/t/#u

    The thread of the message nested by replies.

  * ${base}<Message-ID>/t.mbox.gz

    The whole thread as a gzipped mbox (mboxrd), for git am or a
    mail client: https://en.wikipedia.org/wiki/Mbox

  * ${base}<Message-ID>/t.atom

    The thread as an Atom feed (RFC 4287, with RFC 4685 threading).

  * ${base}<Message-ID>/raw

    The message exactly as it arrived, in mboxrd.

patch series
------------

  * ${base}series/

    Patch series, newest first, with versions, completeness and
    collected Reviewed-by/Acked-by/Tested-by trailers.

  * ${base}<Message-ID>/series/

    The series of any of its messages: cover letter, patches,
    trailers, every version, and interdiffs between versions.

  * ${base}<Message-ID>/series.json
  * ${base}<Message-ID>/series.mbox
  * ${base}<Message-ID>/series.atom

    The series as JSON, as an mbox ready for git am with the
    collected trailers applied, and as a feed of new versions,
    trailers and replies.
`;
}

function mirror(base: string): string {
  return `This archive is served by lorekeeper.

Every message is available byte for byte:

  one message:   ${base}<Message-ID>/raw
  one thread:    ${base}<Message-ID>/t.mbox.gz
  the whole inbox, oldest first, as one gzipped mbox:

    curl -O ${base}all.mbox.gz

To mirror it into your own lorekeeper:

  lorekeeper ingest --data DIR --inbox NAME all.mbox.gz

New messages can be followed with the Atom feed (${base}new.atom)
or fetched with lei:

  lei q -I ${base} 'd:last.week..'
`;
}

const COLOR = `Colors are set by the stylesheet _/lorekeeper.css, with a dark
variant for browsers that prefer a dark color scheme.  Class names
are public-inbox's, so its user stylesheets apply:

  .q      quoted text
  .add    diff lines added
  .del    diff lines removed
  .head   diff headers
  .hunk   diff hunk headers
`;

function config(ib: InboxView): string {
  return `; lorekeeper inbox settings, in public-inbox's config syntax
[publicinbox "${ib.name}"]
	address = ${ib.address ?? ''}
	url = ${ib.name}
`;
}

export const TEXT_KEYS = ['help', 'mirror', 'color', 'config'] as const;
export type TextKey = (typeof TEXT_KEYS)[number];

export function textOf(key: TextKey, ib: InboxView, base: string): string {
  switch (key) {
    case 'help':
      return help(base);
    case 'mirror':
      return mirror(base);
    case 'color':
      return COLOR;
    case 'config':
      return config(ib);
  }
}

export function textPage(key: TextKey, ib: InboxView, base: string): string {
  return render('text', {
    frame: frame(ib, '../../../', { title: `${key} - ${ib.description}` }),
    textHtml: linkify(textOf(key, ib, base)),
  });
}
