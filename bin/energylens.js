#!/usr/bin/env node
import { main } from '../dist/cli/main.js';

// a reader that stops early (`energylens fit --help | head`) closes the pipe: that is not an error
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err) => {
    if (err && err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}

main(process.argv).catch((err) => {
  process.stderr.write(`energylens: ${err && err.message ? err.message : String(err)}\n`);
  process.exitCode = process.exitCode || 1;
});
