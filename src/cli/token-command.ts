// `lorekeeper token create|list|revoke`: the Patchwork API's tokens, made on the writer. A token is
// printed once, when made; the store keeps only its hash, and no other output ever shows it.
import { openDatabase } from '../store/open-database.js';
import { ApiTokens, TokenError, isTokenRole, TOKEN_ROLES } from '../store/api-tokens.js';
import { publishState } from '../mirror/admin-repo.js';
import { parse, required, UsageError } from './args.js';

const now = () => Math.floor(Date.now() / 1000);
const when = (t: number) => new Date(t * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');

export async function tokenCommand(args: string[]): Promise<number> {
  const [action, ...rest] = args;
  if (action !== 'create' && action !== 'list' && action !== 'revoke')
    throw new UsageError('token needs create, list or revoke');
  const { values, positionals } = parse(rest, {
    data: { type: 'string' },
    user: { type: 'string' },
    inbox: { type: 'string', multiple: true },
    role: { type: 'string' },
  });
  const dir = required(values.data, '--data');
  if (action === 'create') {
    required(values.user, '--user');
    const role = required(values.role, '--role');
    if (!isTokenRole(role)) throw new UsageError(`--role must be ${TOKEN_ROLES.join(' or ')}`);
    if (!values.inbox?.length) throw new UsageError('--inbox is required (once per inbox the token may write to)');
    if (positionals.length) throw new UsageError('token create takes no arguments');
  } else if (action === 'revoke') {
    if (!positionals.length || positionals.some((p) => !/^[1-9][0-9]*$/.test(p)))
      throw new UsageError('token revoke takes the ids token list shows');
  } else if (positionals.length) throw new UsageError('token list takes no arguments');

  const db = openDatabase(dir);
  try {
    const tokens = new ApiTokens(db);
    if (action === 'create') {
      const made = tokens.create(values.user!, values.inbox!, values.role as 'maintainer' | 'ci', now());
      // a new user's name is writer state replicas show with its checks (the token itself is not)
      await publishState(dir, db, `token create for ${values.user}`);
      process.stderr.write(`token ${made.id} made; it is shown this once (the store keeps only its hash):\n`);
      process.stdout.write(`${made.token}\n`);
    } else if (action === 'list') {
      for (const t of tokens.list()) {
        const state = t.revoked === null ? 'active' : `revoked ${when(t.revoked)}`;
        process.stdout.write(
          `${t.id}\t${t.user}\t${t.role}\t${t.inboxes.join(',')}\tmade ${when(t.created)}\t${state}\n`,
        );
      }
    } else {
      let failed = false;
      for (const id of positionals.map(Number)) {
        if (tokens.revoke(id, now())) process.stdout.write(`token ${id} revoked\n`);
        else {
          process.stderr.write(`lorekeeper: no working token ${id}\n`);
          failed = true;
        }
      }
      return failed ? 1 : 0;
    }
  } catch (err) {
    if (err instanceof TokenError) throw new UsageError(err.message);
    throw err;
  } finally {
    db.close();
  }
  return 0;
}
