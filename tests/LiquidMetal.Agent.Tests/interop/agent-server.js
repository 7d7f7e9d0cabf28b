'use strict';
// A host agent written with grpc-js, holding its state in memory: what the reconciler's client (Grpc.Net.Client,
// through LiquidMetal.Agent.Api.AgentChannel) is checked against. It requires a bearer token, and with --tls-dir a
// client certificate. It prints {"event":"listening","port":N} once serving, then one line per call it answered,
// and exits when its stdin closes.
// Usage: node agent-server.js --host NAME --token TOKEN [--tls-dir DIR] [--watch-count N]

const { grpc, parseArgs, loadProtos, tlsFiles, emit } = require('./common');

const args = parseArgs(process.argv.slice(2));
const { HostAgent } = loadProtos();
const watchCount = Number(args['watch-count'] || 5);
let applied = { generation: 0, specHash: '', vms: [] };

function authorized(call, callback) {
  const header = call.metadata.get('authorization')[0];
  if (header !== `Bearer ${args.token}`) {
    callback({ code: grpc.status.UNAUTHENTICATED, details: 'interop server: bearer token missing or wrong' });
    return false;
  }
  return true;
}

function status(index = 0) {
  return {
    host: args.host,
    observedGeneration: applied.generation,
    specHash: applied.specHash,
    provider: 'grpc-js',
    agentVersion: `interop-${index}`,
    vms: applied.vms.map((vm) => ({ id: vm.id, cluster: vm.cluster, hash: vm.hash, state: 'VM_STATE_RUNNING', reason: '', restarts: 0 })),
    capacity: { cpu: 8, memoryMib: 16384 },
  };
}

const server = new grpc.Server();
server.addService(HostAgent.service, {
  getStatus(call, callback) {
    if (authorized(call, callback)) {
      emit({ event: 'getStatus' });
      callback(null, status());
    }
  },
  apply(call, callback) {
    if (!authorized(call, callback)) {
      return;
    }
    const spec = call.request.spec;
    emit({
      event: 'apply', host: spec.host, generation: spec.generation, revision: spec.fleetRevision, vms: spec.microvms.length,
      userDataBytes: spec.microvms.reduce((n, vm) => n + Buffer.byteLength(vm.userData), 0),
      metadata: spec.microvms.length ? spec.microvms[0].metadata : {},
    });
    const answer = () => {
      applied = { generation: spec.generation, specHash: spec.specHash, vms: spec.microvms };
      callback(null, { acceptedGeneration: spec.generation, status: status() });
    };
    if (spec.fleetRevision === 'slow') {
      const timer = setTimeout(answer, 5000);
      call.on('cancelled', () => {
        clearTimeout(timer);
        emit({ event: 'cancelled', method: 'apply' });
      });
    } else if (spec.host !== args.host) {
      callback({ code: grpc.status.FAILED_PRECONDITION, details: `interop server runs host ${args.host}, not ${spec.host}` });
    } else {
      answer();
    }
  },
  watch(call) {
    const header = call.metadata.get('authorization')[0];
    if (header !== `Bearer ${args.token}`) {
      call.emit('error', { code: grpc.status.UNAUTHENTICATED, details: 'interop server: bearer token missing or wrong' });
      return;
    }
    for (let i = 0; i < watchCount; i++) {
      call.write(status(i));
    }
    // Then silence, as an agent whose VMs do not change: the stream stays open until the client leaves.
    call.on('cancelled', () => emit({ event: 'cancelled', method: 'watch' }));
  },
});

let credentials = grpc.ServerCredentials.createInsecure();
if (args['tls-dir']) {
  const tls = tlsFiles(args['tls-dir'], 'server');
  credentials = grpc.ServerCredentials.createSsl(tls.ca, [{ cert_chain: tls.cert, private_key: tls.key }], true);
}

server.bindAsync('127.0.0.1:0', credentials, (error, port) => {
  if (error) {
    process.stderr.write(`${error.stack}\n`);
    process.exit(1);
  }
  emit({ event: 'listening', port });
});

process.stdin.resume();
process.stdin.on('end', () => server.tryShutdown(() => process.exit(0)));
