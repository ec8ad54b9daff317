// `lorekeeper digest`: prints a digest of a store's content, to compare two stores.
import { openDatabase } from '../store/open-database.js';
import { storeDigest } from '../store/digest.js';
import { parse, required } from './args.js';

export async function digestCommand(args: string[]): Promise<number> {
  const { values } = parse(args, { data: { type: 'string' } });
  const db = openDatabase(required(values.data, '--data'), { readonly: true });
  try {
    process.stdout.write(storeDigest(db) + '\n');
  } finally {
    db.close();
  }
  return 0;
}
