export async function serveCommand(_args: string[]): Promise<number> { throw new Error('not yet'); }
