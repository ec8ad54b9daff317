#!/usr/bin/env node
// Entry point for `npx lorekeeper`: runs the bundled CLI (npm ci builds dist/ via the prepare script;
// rolldown.config.mjs says why a bundle).
import { main } from '../dist/bundle/main.js';

process.exitCode = await main(process.argv.slice(2));
