// `/`: the list of inboxes.
import { route } from '../router.js';
import { html } from '../response.js';
import { listingPage } from '../pages/listing.js';

route(/^\/$/, (ctx) => html(listingPage(ctx.site)));
