// src/html/body-html.ts: a body rendered once at ingest as a fragment, finished for the URL of each
// page that shows it, is the body rendered for that URL from the start, on every fixture message:
// on its own page, on thread pages, and under the absolute URLs of feeds (diff anchors included).
import { describe, it, expect } from 'vitest';
import { analyzeWithParts } from '../../src/mail/analyze.js';
import { ANCHOR_MARK } from '../../src/html/diff-html.js';
import { finishBody, renderBodyFor, renderBodyFragment } from '../../src/html/body-html.js';
import { fixtureMail } from '../helpers/mbox.js';

const HREFS = ['', '../20200910101212.1b2c3@example.org/', 'http://127.0.0.1:8080/kvm/a%2Fb@c/'];

describe('a stored body fragment', () => {
  const bodies = fixtureMail().flatMap(({ file, raw }) => {
    try {
      const { parts, texts } = analyzeWithParts(raw);
      const textOf = (part: (typeof parts)[number]) => texts.get(part);
      return [{ file, parts, textOf, fragment: renderBodyFragment(parts, textOf) }];
    } catch {
      return []; // not mail: no body
    }
  });

  it('finished for a page is the body rendered for that page', () => {
    const differ = bodies.flatMap(({ file, parts, textOf, fragment }) =>
      HREFS.flatMap((href) => {
        const whole = renderBodyFor(parts, textOf, href).html;
        return (finishBody(fragment, href)?.html ?? whole) === whole ? [] : [{ file, href }];
      }),
    );
    expect(bodies.length).toBeGreaterThan(500);
    expect(differ).toEqual([]);
  });

  it('is finished for an absolute URL when it has no diff anchors, and only then', () => {
    const absolute = HREFS[2];
    const anchored = bodies.filter((b) => b.fragment.includes(ANCHOR_MARK));
    const plain = bodies.filter((b) => !b.fragment.includes(ANCHOR_MARK));
    // the fixtures hold both kinds: patches with diffstats, and replies
    expect(anchored.length).toBeGreaterThan(20);
    expect(plain.length).toBeGreaterThan(300);
    expect(anchored.filter((b) => finishBody(b.fragment, absolute) !== undefined)).toEqual([]);
    expect(plain.filter((b) => finishBody(b.fragment, absolute) === undefined)).toEqual([]);
  });
});
