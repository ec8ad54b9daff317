// The pieces of an am-ready mbox that must match b4 and git mailinfo exactly.
import { describe, it, expect } from 'vitest';
import { wrapHeader, inBodyHeaders, amFilename } from '../../src/series/am-mbox.js';
import { interdiff } from '../../src/series/interdiff.js';

describe('am-ready mbox', () => {
  it('wraps headers as b4 does (Python textwrap at 75 columns, long words kept whole)', () => {
    // expectations from Python's textwrap with b4's arguments
    expect(wrapHeader('Subject', '[PATCH v7 7/16] vfio/type1: Add VFIO_IOMMU_PASID_REQUEST (alloc/free)')).toBe(
      'Subject: [PATCH v7 7/16] vfio/type1: Add VFIO_IOMMU_PASID_REQUEST\n (alloc/free)',
    );
    expect(wrapHeader('Subject', `[PATCH] x ${'y'.repeat(90)} tail words here`)).toBe(
      `Subject: [PATCH] x\n ${'y'.repeat(90)}\n tail words here`,
    );
    expect(wrapHeader('Subject', `[PATCH v2 3/3] a  b   c ${'word '.repeat(20)}`)).toBe(
      'Subject: [PATCH v2 3/3] a  b   c word word word word word word word word\n word word word word word word word word word word word word',
    );
    expect(wrapHeader('Date', 'Thu, 10 Sep 2020 03:45:25 -0700')).toBe('Date: Thu, 10 Sep 2020 03:45:25 -0700');
  });

  it('takes in-body From:, Subject: and Date: lines as git mailinfo does', () => {
    const got = inBodyHeaders('\nFrom: Yi Sun <yi.y.sun@intel.com>\nSubject: [PATCH] other\n  title\n\nThe message.\n');
    expect(got).toEqual({
      from: 'Yi Sun <yi.y.sun@intel.com>',
      subject: '[PATCH] other title',
      body: 'The message.\n',
    });
    expect(inBodyHeaders('Fromage is cheese.\n')).toEqual({ body: 'Fromage is cheese.\n' });
  });

  it('names the file as b4 does', () => {
    expect(
      amFilename({
        version: 7,
        ds: 1599734733,
        author: 'Liu Yi L',
        authorAddr: 'yi.l.liu@intel.com',
        title: 'vfio: expose virtual Shared Virtual Addressing to VMs',
      }),
    ).toBe('v7_20200910_liu_yi_l_vfio_expose_virtual_shared_virtual_addressing_to_vms');
  });
});

describe('interdiff', () => {
  const patch = (line: string, start: number) =>
    `Fix it.\n\nSigned-off-by: A <a@x>\n---\n f.c | 2 +-\n 1 file changed\n\ndiff --git a/f.c b/f.c\nindex 1111111..2222222 100644\n--- a/f.c\n+++ b/f.c\n@@ -${start},3 +${start},3 @@\n a\n-b\n+${line}\n c\n`;

  it('ignores what moves when anything else does: blob ids, line numbers, diffstat', () => {
    expect(interdiff(patch('B', 10), patch('B', 40).replace('1111111', '3333333'), 'v1', 'v2')).toBe('');
  });

  it('shows the change to the change', () => {
    expect(interdiff(patch('B', 10), patch('BB', 10), 'v1 1/1', 'v2 1/1')).toBe(
      '--- v1 1/1\n+++ v2 1/1\n@@ -9,5 +9,5 @@\n @@\n  a\n -b\n-+B\n++BB\n  c\n',
    );
  });
});
