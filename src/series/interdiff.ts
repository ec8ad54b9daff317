// How a patch changed between two versions of a series, computed from the two mails alone (no git
// tree): the diff of the two patches, with the noise of blob ids and line numbers taken out.
import { createTwoFilesPatch } from 'diff';
import { bodyParts } from './am-message.js';

/**
 * A patch as compared across versions: its commit message and its diff, without the diffstat,
 * `index` lines, or the line numbers of hunk headers, which change whenever anything else does.
 */
export function comparable(body: string): string {
  const { message, trailers, basement } = bodyParts(body);
  const diffStart = basement.search(/^diff /m);
  const diff = diffStart >= 0 ? basement.slice(diffStart) : basement;
  const lines = diff
    .split('\n')
    .filter((l) => !/^index [0-9a-f]+\.\.[0-9a-f]+/.test(l))
    .map((l) => l.replace(/^@@ -\d+(?:,\d+)? \+\d+(?:,\d+)? @@/, '@@'));
  return [message, ...trailers.map((t) => `${t.name}: ${t.value}`), '---', ...lines].join('\n').replace(/\n*$/, '\n');
}

/** The unified diff between two versions of a patch; '' when they are the same. */
export function interdiff(older: string, newer: string, olderLabel: string, newerLabel: string): string {
  const a = comparable(older);
  const b = comparable(newer);
  if (a === b) return '';
  return createTwoFilesPatch(olderLabel, newerLabel, a, b, '', '', { context: 3 }).replace(/^={67}\n/, '').replace(/^((?:---|\+\+\+) .*?)\t$/gm, '$1');
}
