#!/usr/bin/env node
'use strict';
// Runs the bundled CLI (built by `npm run build`, which `npm install` runs through `prepare`).
require('../dist/cli.js')
  .main(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  });
