// mailparser as a second opinion (dev only): lorekeeper parses MIME itself because public-inbox's
// URLs and quoting need the parts exactly as they are (mailparser merges text parts, keeps no part
// offsets and numbers parts its own way). Where the two decode the same thing they must agree:
// every attachment's decoded bytes and name, and the text of single-part plain messages. The
// differences that remain are listed, each with its reason; a new one fails the test.
import { describe, it, expect } from 'vitest';
import { createHash } from 'node:crypto';
import { simpleParser } from 'mailparser';
import { readMbox } from '../helpers/mbox.js';
import { fixture } from '../helpers/paths.js';
import { MimeEntity, eachPart } from '../../src/mail/mime.js';
import { partFilename, partText } from '../../src/mail/part-text.js';
import { decodeTransfer } from '../../src/mail/codec.js';

const SOURCES = [
  'vfio-vsva-v7.thread.mbox',
  'virtio-ring-cleanup-v2.thread.mbox',
  'vsock-multicid.thread.mbox',
  'binary-attachment.mbox',
  'seed-000-qemu-devel.eml',
  'seed-003-kvm.eml',
  'seed-003-qemu-devel.eml',
  'hostile-sample.mbox.gz',
];

/**
 * Messages (by X-Case of the hostile sample) where the two parsers part ways on purpose: what
 * lorekeeper does is public-inbox's behaviour, checked in its own tests.
 */
const KNOWN: Record<string, string> = {
  'latin1-unlabeled':
    'unlabeled 8-bit text: public-inbox and lorekeeper read it as Latin-1 and mark it mangled; mailparser reads ' +
    'UTF-8 and puts replacement characters for the bytes that are not',
  'broken-base64': 'invalid base64: lorekeeper recovers what MIME::Base64 (public-inbox) recovers; mailparser differs',
};

/**
 * format=flowed text (RFC 3676): mailparser joins its soft-broken lines, public-inbox and
 * lorekeeper show the lines as sent. These texts are not compared; how many there are is.
 */
const FLOWED = /^format=flowed$/i;
const FLOWED_TEXTS = 18;

const digest = (b: Buffer) => createHash('sha256').update(b).digest('hex').slice(0, 16);

/** Attachments as lorekeeper sees them: parts with a file name or not shown as text, decoded. */
function ours(raw: Buffer): string[] {
  const out: string[] = [];
  for (const v of eachPart(MimeEntity.parse(raw))) {
    const e = v.entity;
    if (e.body === undefined || v.idx === '1' || e.contentType.value.startsWith('multipart/')) continue;
    const fn = partFilename(e);
    const text = partText(e);
    if (fn === undefined && text.text !== undefined) continue;
    if (/^text\/x?html$/i.test(e.contentType.value) && fn === undefined) continue;
    const bytes = decodeTransfer(e.body, e.header.first('content-transfer-encoding'));
    out.push(`${fn ?? ''} ${bytes.length} ${digest(bytes)}`);
  }
  return out.sort();
}

async function theirs(raw: Buffer): Promise<{ attachments: string[]; text?: string }> {
  const m = await simpleParser(raw, { skipHtmlToText: true, skipTextToHtml: true, skipTextLinks: true });
  return {
    attachments: m.attachments
      .filter((a) => !a.related || a.filename)
      .map((a) => `${a.filename ?? ''} ${a.content.length} ${digest(a.content)}`)
      .sort(),
    text: m.text,
  };
}

function caseOf(raw: Buffer, i: number, source: string): string {
  return /^X-Case: (\S+)/m.exec(raw.subarray(0, 8192).toString('latin1'))?.[1] ?? `${source}#${i}`;
}

describe('mailparser, as an oracle for MIME decoding', () => {
  it('decodes the same attachments and single-part texts, but for the listed differences', async () => {
    const differences: Record<string, string> = {};
    let attachments = 0;
    let texts = 0;
    let flowed = 0;
    for (const source of SOURCES) {
      const messages = readMbox(fixture(source));
      for (const [i, raw] of messages.entries()) {
        const name = caseOf(raw, i, source);
        const lk = ours(raw);
        const mp = await theirs(raw);
        attachments += lk.length;
        if (JSON.stringify(lk) !== JSON.stringify(mp.attachments)) {
          differences[name] =
            `attachments: lorekeeper ${JSON.stringify(lk)}, mailparser ${JSON.stringify(mp.attachments)}`;
          continue;
        }
        const top = MimeEntity.parse(raw);
        if (top.contentType.value !== 'text/plain' || top.descend() !== null) continue;
        const lkText = partText(top).text;
        if (lkText === undefined || mp.text === undefined) continue;
        if (FLOWED.test(`format=${top.contentType.params.format ?? ''}`)) {
          flowed++;
          continue;
        }
        texts++;
        // lines end in LF for mailparser, as they came for lorekeeper; and mailparser drops the last one
        const lines = (t: string) => t.replace(/\r\n/g, '\n').replace(/\n$/, '');
        if (lines(lkText) !== lines(mp.text)) {
          differences[name] =
            `text: lorekeeper ${JSON.stringify(lkText.slice(0, 60))}, mailparser ${JSON.stringify(mp.text.slice(0, 60))}`;
        }
      }
    }
    expect(attachments).toBe(3);
    expect(flowed).toBe(FLOWED_TEXTS);
    expect(texts).toBeGreaterThan(600);
    expect(Object.keys(differences).sort()).toEqual(Object.keys(KNOWN).sort());
  });
});
