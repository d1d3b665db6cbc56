#!/usr/bin/env node
// Exit codes: 0 done, 1 failure (bad arguments included), 130 second Ctrl-C (apps/trainer README).
import { version } from '../package.json';

if (process.argv.slice(2).includes('--version')) {
  process.stdout.write(`${version}\n`);
  process.exit(0);
}
// Loaded after the --version check: it imports TF.js and every package.
const { runCli } = await import('./commands.js');

// First Ctrl-C: stop after the current batch (the last finished epoch stays checkpointed, and
// the same command resumes from it). Second Ctrl-C: exit at once.
const controller = new AbortController();
process.on('SIGINT', () => {
  if (controller.signal.aborted) process.exit(130);
  process.stderr.write('\ninterrupting after the current batch (Ctrl-C again to quit now)…\n');
  controller.abort();
});

runCli(process.argv.slice(2), { signal: controller.signal }).catch((err: unknown) => {
  process.stderr.write(`\nerror: ${err instanceof Error ? err.message : String(err)}\n`);
  if (process.env.CIHMLC_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
  process.exit(1);
});
