// `/` (views/listing.hbs): every inbox, most recently active first (WwwListing).
import { render } from '../templates.js';
import { fmtTs } from '../../html/dates.js';
import type { Site } from '../site.js';

export function listingPage(site: Site): string {
  const inboxes = site.reader
    .inboxes()
    .map((i) => ({ row: i, newest: site.reader.newestTs({ inboxId: i.id }) ?? 0 }))
    .sort((a, b) => b.newest - a.newest)
    .map(({ row, newest }) => ({
      date: newest ? fmtTs(newest) : '----------------',
      name: row.name,
      description: row.description || `public inbox for ${row.address ?? row.name}`,
    }));
  return render('listing', { inboxes, hasAll: inboxes.length > 1 });
}
