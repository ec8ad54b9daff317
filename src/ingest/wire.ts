// Moving results between threads cheaply: every Buffer gets its own ArrayBuffer so it can be
// transferred; a Buffer cut from Node's shared pool would otherwise drag the whole pool along.
import type { Processed } from './process-raw.js';

function own(buf: Buffer, transfer: ArrayBuffer[]): Buffer {
  const copy = new Uint8Array(buf.length);
  copy.set(buf);
  transfer.push(copy.buffer);
  return copy as Buffer;
}

function back(u: Uint8Array): Buffer {
  return Buffer.from(u.buffer, u.byteOffset, u.byteLength);
}

export function toWire(p: Processed): { value: Processed; transfer: ArrayBuffer[] } {
  const transfer: ArrayBuffer[] = [];
  if (!p.ok) return { value: { ...p, sha256: own(p.sha256, transfer), rawData: own(p.rawData, transfer) }, transfer };
  const m = p.message;
  const message = {
    ...m,
    sha256: own(m.sha256, transfer),
    contentHash: own(m.contentHash, transfer),
    doc: own(m.doc, transfer),
  };
  const bodyHtml = p.bodyHtml && own(p.bodyHtml, transfer);
  return { value: { ok: true, message, rawData: own(p.rawData, transfer), bodyHtml }, transfer };
}

export function fromWire(p: Processed): Processed {
  if (!p.ok) return { ...p, sha256: back(p.sha256), rawData: back(p.rawData) };
  const m = p.message;
  return {
    ok: true,
    rawData: back(p.rawData),
    bodyHtml: p.bodyHtml && back(p.bodyHtml),
    message: { ...m, sha256: back(m.sha256), contentHash: back(m.contentHash), doc: back(m.doc) },
  };
}
