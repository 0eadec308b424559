#!/usr/bin/env node
// `npm start`: builds dist/ when it is missing or stale (a fresh clone has none), then runs the launcher
// (sandbox/demo/start.ts): local stand-ins for the systems no variable configures, then Node-RED.
'use strict';
const path = require('path');

require('./ensure-built')();
require(path.join(__dirname, '..', 'dist', 'sandbox', 'demo', 'start.js'));
