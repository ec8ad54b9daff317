#!/usr/bin/env node
// Entry point for `npx lorekeeper`: runs the compiled CLI (npm ci builds dist/ via the prepare script).
import { main } from '../dist/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
