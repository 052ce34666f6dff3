#!/usr/bin/env node
import { main } from "../dist/cli/main.js";

main(process.argv).then(
  (code) => {
    process.exitCode = code;
    // A failed command exits now: connections it opened (Redis retrying, a pool) must not keep it alive.
    if (code !== 0) process.exit(code);
  },
  (err) => {
    process.stderr.write(`scim-bridge: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
