'use strict';
// Shared by agent-client.js and agent-server.js: arguments, the protos, TLS files, JSON-line output.

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

// The agent's API exactly as the product ships it, and the two standard services beside it.
function loadProtos() {
  const agentProto = path.join(__dirname, '..', '..', '..', 'src', 'LiquidMetal.Agent.Api', 'Protos', 'agent.proto');
  const options = { keepCase: false, defaults: true, longs: Number, enums: String };
  const agent = grpc.loadPackageDefinition(protoLoader.loadSync(agentProto, options));
  const health = grpc.loadPackageDefinition(protoLoader.loadSync(path.join(__dirname, 'protos', 'health.proto'), options));
  const reflection = grpc.loadPackageDefinition(protoLoader.loadSync(path.join(__dirname, 'protos', 'reflection.proto'), options));
  return {
    HostAgent: agent.liquidmetal.agent.v1.HostAgent,
    Health: health.grpc.health.v1.Health,
    ServerReflection: reflection.grpc.reflection.v1alpha.ServerReflection,
  };
}

// ca.pem, <role>.pem and <role>-key.pem in the folder the C# test wrote them to.
function tlsFiles(dir, role) {
  const read = (name) => fs.readFileSync(path.join(dir, name));
  return { ca: read('ca.pem'), cert: read(`${role}.pem`), key: read(`${role}-key.pem`) };
}

// One JSON object per line on stdout: what the C# tests read and assert on.
function emit(record) {
  process.stdout.write(JSON.stringify(record) + '\n');
}

module.exports = { grpc, parseArgs, loadProtos, tlsFiles, emit };
