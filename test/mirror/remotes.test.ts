// A repository's remotes as git config has them, kept between asks only while the config file is
// the one git last wrote: every change git makes to it is seen at the next ask.
import { describe, it, expect } from 'vitest';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { remoteUrls } from '../../src/mirror/remotes.js';
import { tempDir } from '../helpers/paths.js';
import { have } from '../helpers/programs.js';

describe.skipIf(!have('git'))('remoteUrls', () => {
  it('follows every change git makes to the remotes', async () => {
    const dir = join(tempDir(), 'r.git');
    const git = (...args: string[]) => execFileSync('git', ['--git-dir', dir, ...args]);
    execFileSync('git', ['init', '-q', '--bare', dir]);
    const urls = async () => Object.fromEntries(await remoteUrls(dir));
    expect(await urls()).toEqual({});
    git('remote', 'add', 'origin', 'https://lore.example/a/0');
    expect(await urls()).toEqual({ origin: 'https://lore.example/a/0' });
    expect(await urls()).toEqual({ origin: 'https://lore.example/a/0' });
    // the same length, written within the same clock tick: a new file all the same
    git('remote', 'set-url', 'origin', 'https://lore.example/b/0');
    expect(await urls()).toEqual({ origin: 'https://lore.example/b/0' });
    git('remote', 'add', 'up.stream', 'https://up.example/x');
    expect(await urls()).toEqual({ origin: 'https://lore.example/b/0', 'up.stream': 'https://up.example/x' });
    git('remote', 'remove', 'origin');
    git('remote', 'remove', 'up.stream');
    expect(await urls()).toEqual({});
  });
});
