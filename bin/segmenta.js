#!/usr/bin/env node
// The CLI, compiled by `npm run build` (also run by `npm ci` through the prepare script).
require('../dist/src/cli.js');
