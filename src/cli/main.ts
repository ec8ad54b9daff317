// `lorekeeper <command>`: dispatches to the command modules; usage errors exit 2, failures 1.
import { UsageError } from './args.js';

const HELP = `lorekeeper: a public-inbox compatible archive of mailing-list patch series

Usage:
  lorekeeper ingest --data DIR --inbox NAME [--address ADDR] [--description TEXT]
                    [--format mboxrd|mboxo] [--jobs N] [--json] [--resync]
                    [--epoch-size SIZE] [--no-epochs] SOURCE...
      Add mail to an inbox (created on first use). SOURCE is an mbox file (plain or .gz),
      a Maildir, a single message file, - for one message on standard input, or a public-inbox
      archive: a v2 inbox directory (git/N.git), a v1 inbox or one bare epoch repository, of
      which only the commits after those taken last time are read (removals and edits too).
      Mail is committed to the inbox's public-inbox epochs (DIR/inboxes/NAME/git/N.git), a new
      one begun past --epoch-size raw bytes (default 2560m, public-inbox's); --no-epochs writes
      none (the next ingest writes what is missing).

  lorekeeper ingest --data DIR --inbox NAME [options as above] --spool MAILDIR [--watch SECONDS]
      Take the mail a mail server delivered into MAILDIR/new instead of SOURCEs, in arrival
      order, deleting it once stored (a take killed halfway is taken again first). --watch keeps
      running, as public-inbox-watch: it takes the spool again whenever mail lands in it (and
      every SECONDS), printing a line per take.

  lorekeeper mirror --data DIR --inbox NAME [--epochs RANGE] [--address ADDR]
                    [--description TEXT] [--jobs N] [--json] [--resync] URL
      Mirror a public-inbox inbox (e.g. https://lore.kernel.org/iommu/): clone its new git
      epochs and fetch the known ones into DIR/inboxes/NAME, then ingest what is new. Run it
      again (from cron) to keep current. --resync follows a history rewritten upstream.

  lorekeeper mirror --data DIR [--jobs N] [--json] [--watch SECONDS] URL
      Follow a whole lorekeeper writer (URL: where its inboxes are, e.g. http://writer/) as a
      read replica: every inbox, in the order the writer took its mail, with the state not in
      the mail (series links): the replica's store then equals the writer's (lorekeeper digest).
      --watch keeps running: every SECONDS it asks whether the writer has anything new (its
      manifest, one small request) and follows it when it has.

  lorekeeper serve --data DIR [--host 127.0.0.1] [--port 8080] [--workers N] [--git-nice N]
      Serve every inbox of DIR over HTTP, from N worker processes (default: one per core).
      git's answers (clones, fetches) run at niceness --git-nice (default 10, below pages; a
      writer whose git serves its read replicas: 0).

  lorekeeper series link|unlink --data DIR MESSAGE-ID MESSAGE-ID
      Say that the patch series holding the first message and the one holding the second are
      versions of one series (link), or never are (unlink), whatever the automatic chaining
      found. Any message of a series names it. Prints the resulting version chain(s).

  lorekeeper series show --data DIR MESSAGE-ID
      Print the version chain of the series holding the message.

  lorekeeper series state --data DIR [--by NAME] MESSAGE-ID [STATE]
      Print the state of each patch of the series holding the message; with STATE (new,
      under-review, accepted, rejected, rfc, not-applicable, changes-requested,
      awaiting-upstream, superseded, deferred), give it to the patch (every patch, for a cover
      letter) whatever the automatic rules say, as set by NAME (default: $USER); auto forgets it.

  lorekeeper applied --data DIR --inbox NAME --repo PATH [--branch REF]... [--rescan] [--json]
      Find which patches of the inbox landed in the git repository's branches (default: the
      one HEAD names): the commits after those scanned last time, matched by git patch-id
      --stable, or by subject and author when the maintainer edited the patch. Those patches
      are accepted, with the commit. --rescan reads the branches again from the start.

  lorekeeper token create --data DIR --user NAME --inbox NAME... --role maintainer|ci
      Make a token for the Patchwork API (/api/1.2/): a maintainer token sets the states of
      the named inboxes' patches, a ci token posts checks on them. The token is printed once;
      the store keeps only its hash.

  lorekeeper token list --data DIR
  lorekeeper token revoke --data DIR ID...
      List the tokens (never the tokens themselves), or revoke them by id.

  lorekeeper digest --data DIR
      Print a digest of everything DIR's store holds (equal digests: equal archives).

  lorekeeper --help
`;

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case undefined:
      case '-h':
      case '--help':
      case 'help':
        process.stdout.write(HELP);
        return 0;
      // each command's modules are loaded only when it runs: a mail server's ingest of a few
      // messages, run for every arrival, pays for every module it loads
      case 'ingest':
        return await (await import('./ingest-command.js')).ingestCommand(rest);
      case 'mirror':
        return await (await import('./mirror-command.js')).mirrorCommand(rest);
      case 'digest':
        return await (await import('./digest-command.js')).digestCommand(rest);
      case 'series':
        return await (await import('./series-command.js')).seriesCommand(rest);
      case 'token':
        return await (await import('./token-command.js')).tokenCommand(rest);
      case 'applied':
        return await (await import('./applied-command.js')).appliedCommand(rest);
      case 'serve':
        return await (await import('./serve-command.js')).serveCommand(rest);
      default:
        throw new UsageError(`unknown command ${JSON.stringify(command)}`);
    }
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`lorekeeper: ${err.message}\nTry 'lorekeeper --help'.\n`);
      return 2;
    }
    process.stderr.write(`lorekeeper: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}
