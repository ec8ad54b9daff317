// The only diff2html import: a patch's diffs side by side, old and new in two columns, for a page
// of their own. diff2html escapes every file name and line it prints (checked with hostile mail
// in test/serve/side-by-side.test.ts); its stylesheet is served as our own.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { html, parse } from 'diff2html';
import { ColorSchemeType } from 'diff2html/lib/types.js';
import { Html } from './html.js';

/** Changed lines past which a patch is not laid out side by side (the message page still shows it). */
export const SIDE_BY_SIDE_MAX_LINES = 20_000;

export const DIFF2HTML_CSS: Buffer = readFileSync(
  createRequire(import.meta.url).resolve('diff2html/bundles/css/diff2html.min.css'),
);

/** The diffs of a patch's text side by side, or undefined when it has none or too many lines. */
export function sideBySideHtml(text: string): Html | undefined {
  const files = parse(text, { matching: 'none' });
  if (!files.length) return undefined;
  const lines = files.reduce((n, f) => n + f.addedLines + f.deletedLines, 0);
  if (lines > SIDE_BY_SIDE_MAX_LINES) return undefined;
  return new Html(
    html(files, {
      outputFormat: 'side-by-side',
      drawFileList: true,
      matching: 'none',
      colorScheme: ColorSchemeType.AUTO,
    }),
  );
}
