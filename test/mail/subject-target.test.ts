// Where a posting is aimed, read from real subjects of the virtualization list: stable branches
// (Greg's reviews, AUTOSEL batches), trees, other projects, and the prefix words that aim nowhere.
import { describe, it, expect } from 'vitest';
import { parsePatchSubject } from '../../src/mail/subject.js';

const target = (subject: string) => parsePatchSubject(subject).target;

describe('patch targets', () => {
  it('name the stable branch of a stable review and of an AUTOSEL batch', () => {
    expect(
      target('[PATCH 4.19 014/114] vsock/virtio: Initialize core virtio vsock before registering the driver'),
    ).toEqual({
      stable: '4.19',
      tree: '',
    });
    expect(target('[PATCH AUTOSEL 5.4 070/130] vhost_net: disable zerocopy by default')).toEqual({
      stable: 'autosel 5.4',
      tree: '',
    });
    expect(target('[PATCH AUTOSEL 4.4 26/38] drm/virtio: fix bounds check in virtio_gpu_cmd_get_capset()').stable).toBe(
      'autosel 4.4',
    );
  });

  it('name trees and other projects, lower-cased, whatever the order of the prefix', () => {
    expect(target('[PATCH net-next v5 0/5] vsock/virtio: optimizations to increase the throughput')).toEqual({
      stable: '',
      tree: 'net-next',
    });
    expect(target("[PATCH net] vhost: don't use kmap() to log dirty pages").tree).toBe('net');
    expect(target('[RFC net-next 0/8] virtio_net: refactor xdp codes').tree).toBe('net-next');
    expect(target('[virtiofsd PATCH v2 0/4] virtiofsd: support per-file DAX').tree).toBe('virtiofsd');
    expect(target('[PATCH virtiofsd 0/3] virtiofsd: support per-file DAX').tree).toBe('virtiofsd');
    expect(target("[PATCH -next] virtiofs: remove unused variable 'fc'").tree).toBe('next');
    expect(target('[PATCH linux-next v2 0/7] Introduce vdpa management tool').tree).toBe('next');
    expect(target('[PATCH trivial 1/3] treewide: drivers: Fix Kconfig indentation').tree).toBe('trivial');
    expect(target('[RESEND TRIVIAL 1/3] treewide: drivers: Fix Kconfig indentation').tree).toBe('trivial');
  });

  it('are mainline for postings whose prefix says only what kind they are', () => {
    for (const s of [
      '[PATCH] vsock/virtio: Initialize core virtio vsock before registering the driver',
      '[PATCH RESEND] vsock/virtio: Initialize core virtio vsock before registering the driver',
      "[RFC PATCH V2] vhost: don't use kmap() to log dirty pages",
      '[PATCH v2 resubmit] virtio-balloon: Disable free page reporting if page poison reporting is not enabled',
      '[RFC PATCH untested] vhost: block speculation of translated descriptors',
      '[RFT 00/13] iomap: Constify ioreadX() iomem argument',
      '[RFC][PATCH v2] splice: Prevent gifting of multipage folios',
    ])
      expect(target(s), s).toEqual({ stable: '', tree: '' });
  });
});
