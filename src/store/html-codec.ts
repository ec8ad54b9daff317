// How rendered bodies are kept (body_html.html): raw deflate of the UTF-8, about a fifth of the size.
import { deflateRawSync, inflateRawSync } from 'node:zlib';

export function compressHtml(html: string): Buffer {
  return deflateRawSync(Buffer.from(html, 'utf8'), { level: 6 });
}

export function decompressHtml(data: Buffer): string {
  return inflateRawSync(data).toString('utf8');
}
