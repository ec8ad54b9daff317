import { describe, it, expect } from 'vitest';
import { execFileSync } from 'node:child_process';
import { patchId } from '../../src/mail/patch-id.js';
import { analyzeMessage } from '../../src/mail/analyze.js';
import { decodeDoc, partTextOf } from '../../src/mail/message-doc.js';
import { fixture } from '../helpers/paths.js';
import { readMbox } from '../helpers/mbox.js';

function gitPatchId(text: string): string | null {
  const out = execFileSync('git', ['patch-id', '--stable'], { input: text }).toString();
  return out ? out.split(' ')[0] : null;
}

describe('patch-id', () => {
  const texts = readMbox(fixture('vfio-vsva-v7.thread.mbox')).flatMap((raw) =>
    decodeDoc(analyzeMessage(raw).doc)
      .parts.map((p) => partTextOf(p, () => raw))
      .filter((t): t is string => !!t && /^diff --git /m.test(t)),
  );

  it('matches git patch-id --stable on every patch of the vfio v7 thread', () => {
    expect(texts.length).toBeGreaterThanOrEqual(16);
    for (const t of texts) expect(patchId(t)).toBe(gitPatchId(t));
  });
  it('ignores whitespace and the order of files', () => {
    const a =
      'diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\ndiff --git a/y b/y\n--- a/y\n+++ b/y\n@@ -1 +1 @@\n-c\n+d\n';
    const b =
      'diff --git a/y b/y\n--- a/y\n+++ b/y\n@@ -5 +5 @@\n-c\n+ d\ndiff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n';
    expect(patchId(a)).toBe(patchId(b));
    expect(patchId(a)).toBe(gitPatchId(a));
  });
  it('is null without a diff', () => {
    expect(patchId('just words\n')).toBeNull();
  });
});
