'use strict';
// Shared by server.js and client.js: argument parsing, the Echo service definition, TLS files, JSON-line output.

const fs = require('fs');
const path = require('path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

// "--name value" pairs; a flag without a value is true.
function parseArgs(argv) {
  const args = {};
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i].replace(/^--/, '');
    const next = argv[i + 1];
    if (next === undefined || next.startsWith('--')) {
      args[name] = true;
    } else {
      args[name] = next;
      i++;
    }
  }
  return args;
}

function loadEcho() {
  const protoPath = path.join(__dirname, '..', 'Protos', 'echo.proto');
  const definition = protoLoader.loadSync(protoPath, { defaults: true, longs: Number });
  return grpc.loadPackageDefinition(definition).liquidmetal.test.v1.Echo;
}

// ca.pem, <role>.pem and <role>-key.pem in the directory the C# test wrote them to.
function tlsFiles(dir, role) {
  const read = (name) => fs.readFileSync(path.join(dir, name));
  return { ca: read('ca.pem'), cert: read(`${role}.pem`), key: read(`${role}-key.pem`) };
}

// One JSON object per line on stdout: what the C# tests read and assert on.
function emit(record) {
  process.stdout.write(JSON.stringify(record) + '\n');
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

module.exports = { grpc, parseArgs, loadEcho, tlsFiles, emit, sleep };
