// How raw messages are kept: raw deflate primed with a dictionary of what mailing-list mail repeats.
// Codecs are frozen once blobs use them: codec 1 (a hand-written dictionary, level 3) is still read.
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { readDictionary } from './dictionaries.js';

/** Text that appears in most list mail; later lines are cheapest to refer to, so the commonest go last. */
const DICTIONARY_V1 = Buffer.from(
  [
    'X-Spam-Status: No, score=-4.2 required=5.0 tests=BAYES_00,DKIM_SIGNED,DKIM_VALID,DKIM_VALID_AU,RCVD_IN_DNSWL_MED,SPF_HELO_NONE,SPF_PASS autolearn=ham version=3.4.6',
    'X-Spam-Checker-Version: SpamAssassin 3.4.6 (2021-04-09) on smtp1.osuosl.org',
    'X-Virus-Scanned: amavisd-new at osuosl.org',
    'ARC-Seal: i=1; a=rsa-sha256; d=subspace.kernel.org; s=arc-20240116; t=',
    'ARC-Message-Signature: i=1; a=rsa-sha256; d=subspace.kernel.org; s=arc-20240116; t=',
    'ARC-Authentication-Results: i=1; smtp.subspace.kernel.org; dmarc=pass (p=none dis=none) header.from=kernel.org; spf=pass smtp.mailfrom=',
    'Authentication-Results: smtp1.osuosl.org; dkim=pass (2048-bit key) header.d=redhat.com header.i=@redhat.com header.b=',
    'X-MC-Unique: ',
    'X-Mimecast-Spam-Score: 0',
    'X-Mimecast-MFC-AGG-ID: ',
    'X-IronPort-AV: E=Sophos;i="6.04,262,1695711600"; d="scan\'208";a="',
    'X-ExtLoop1: 1',
    'X-Google-DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=1e100.net; s=20230601; h=',
    'DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=redhat.com; s=mimecast20190719; t=',
    '\th=from:from:reply-to:subject:subject:date:date:message-id:message-id: to:to:cc:cc:mime-version:mime-version:content-type:content-type: content-transfer-encoding:content-transfer-encoding:in-reply-to:in-reply-to: references:references;',
    ' bh=',
    'Received: from mail-wm1-f72.google.com (mail-wm1-f72.google.com [209.85.128.72]) by relay.mimecast.com with ESMTP with STARTTLS (version=TLSv1.3, cipher=TLS_AES_256_GCM_SHA384)',
    'Received: from localhost (localhost [127.0.0.1])',
    'Received: from smtp1.osuosl.org ([127.0.0.1]) by localhost (smtp1.osuosl.org [127.0.0.1]) (amavisd-new, port 10024) with ESMTP id',
    'Received: from lists.linuxfoundation.org (lf-lists.osuosl.org [140.211.9.56])',
    '\tby smtp1.osuosl.org (Postfix) with ESMTPS id',
    '\tfor <virtualization@lists.linux-foundation.org>; ',
    'X-Original-To: virtualization@lists.linux-foundation.org',
    'Delivered-To: virtualization@lists.linux-foundation.org',
    'List-Id: Linux virtualization <virtualization.lists.linux-foundation.org>',
    'List-Unsubscribe: <https://lists.linuxfoundation.org/mailman/options/virtualization>, <mailto:virtualization-request@lists.linux-foundation.org?subject=unsubscribe>',
    'List-Archive: <http://lists.linuxfoundation.org/pipermail/virtualization/>',
    'List-Post: <mailto:virtualization@lists.linux-foundation.org>',
    'List-Help: <mailto:virtualization-request@lists.linux-foundation.org?subject=help>',
    'List-Subscribe: <https://lists.linuxfoundation.org/mailman/listinfo/virtualization>, <mailto:virtualization-request@lists.linux-foundation.org?subject=subscribe>',
    'Sender: "Virtualization" <virtualization-bounces@lists.linux-foundation.org>',
    'Errors-To: virtualization-bounces@lists.linux-foundation.org',
    'Precedence: list',
    'X-Mailman-Version: 2.1.15',
    'Return-Path: <virtualization-bounces@lists.linux-foundation.org>',
    'X-Mailer: git-send-email 2.34.1',
    'User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:102.0) Gecko/20100101 Thunderbird/102.15.1',
    'Content-Language: en-US',
    'Content-Disposition: inline',
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset="us-ascii"',
    'Content-Type: text/plain; charset="utf-8"',
    'Content-Transfer-Encoding: 7bit',
    'Content-Transfer-Encoding: 8bit',
    'Content-Transfer-Encoding: quoted-printable',
    '_______________________________________________',
    'Virtualization mailing list',
    'Virtualization@lists.linux-foundation.org',
    'https://lists.linuxfoundation.org/mailman/listinfo/virtualization',
    'Signed-off-by: ',
    'Reviewed-by: ',
    'Acked-by: ',
    'Tested-by: ',
    'Suggested-by: ',
    'Reported-by: ',
    'Co-developed-by: ',
    'Cc: "Michael S. Tsirkin" <mst@redhat.com>, Jason Wang <jasowang@redhat.com>, virtualization@lists.linux-foundation.org, linux-kernel@vger.kernel.org, kvm@vger.kernel.org, netdev@vger.kernel.org',
    ' drivers/virtio/virtio_ring.c | ',
    ' 1 file changed, 1 insertion(+), 1 deletion(-)',
    ' files changed, ',
    ' insertions(+), ',
    ' deletions(-)',
    'diff --git a/drivers/vhost/vhost.c b/drivers/vhost/vhost.c',
    'index ',
    '--- a/',
    '+++ b/',
    '@@ -',
    '-- ',
    '2.34.1',
    '> > > ',
    'On Mon, Jan 1, 2023 at 10:00:00AM +0800, ',
    ' wrote:',
    'In-Reply-To: <',
    'References: <',
    'Message-ID: <',
    'Date: Mon, 1 Jan 2023 10:00:00 +0000',
    'Subject: Re: [PATCH v2 1/3] ',
    'From: ',
    'To: ',
    'Cc: ',
  ].join('\n') + '\n',
  'utf8',
);

/**
 * Codec 2's: 32 KiB (all deflate can refer back to) of strings zstd's trainer found recurring in the
 * first half of the virtualization list (bench/train-dictionaries.mjs). 15% fewer bytes than codec 1
 * on the list's second half, which it never saw.
 */
const DICTIONARY_V2 = readDictionary('raw-2.dict');

/** Identifies how a blob was encoded, stored beside it so the dictionary can change later. */
export const RAW_CODEC = 2;

export function compressRaw(raw: Buffer): Buffer {
  // level 6: 5% fewer bytes than level 3 for a third more CPU, 0.1 ms a message (the raw bytes are
  // the biggest table of the store); any level inflates the same way
  return deflateRawSync(raw, { level: 6, memLevel: 9, dictionary: DICTIONARY_V2 });
}

export function decompressRaw(data: Buffer, codec: number = RAW_CODEC): Buffer {
  if (codec === 2) return inflateRawSync(data, { dictionary: DICTIONARY_V2 });
  if (codec === 1) return inflateRawSync(data, { dictionary: DICTIONARY_V1 });
  throw new Error(`unknown raw codec ${codec}`);
}
