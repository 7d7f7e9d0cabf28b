'use strict';
// grpc-js as the reconciler's stand-in: drives a real LiquidMetal agent through its API, its health service and
// server reflection, and prints one JSON line per scenario, e.g. {"scenario":"apply","code":0,...}; then exits 0.
// Usage: node agent-client.js --target 127.0.0.1:PORT --host NAME --token TOKEN --max-message-size BYTES [--tls-dir DIR]

const { grpc, parseArgs, loadProtos, tlsFiles, emit } = require('./common');

const args = parseArgs(process.argv.slice(2));
const { HostAgent, Health, ServerReflection } = loadProtos();

let credentials = grpc.credentials.createInsecure();
if (args['tls-dir']) {
  const tls = tlsFiles(args['tls-dir'], 'client');
  credentials = grpc.credentials.createSsl(tls.ca, tls.key, tls.cert);
}
const agent = new HostAgent(args.target, credentials);
const health = new Health(args.target, credentials);
const reflection = new ServerReflection(args.target, credentials);

function withToken() {
  const metadata = new grpc.Metadata();
  metadata.set('authorization', `Bearer ${args.token}`);
  return metadata;
}

// Resolves with the outcome of a unary call (never rejects): code, details, reply.
function unary(client, method, request, { metadata = withToken(), deadlineMs } = {}) {
  return new Promise((resolve) => {
    const options = deadlineMs ? { deadline: Date.now() + deadlineMs } : {};
    client[method](request, metadata, options, (error, reply) => resolve({
      code: error ? error.code : 0,
      details: error ? error.details : '',
      reply,
    }));
  });
}

function vm(id, overrides = {}) {
  return {
    id, cluster: 'interop', pool: 'workers', role: 'worker', vcpu: 1, memoryMib: 128,
    kernel: '/images/vmlinuz', initrd: '/images/initrd',
    interfaces: [{ name: 'eth0', mac: '02:00:00:00:00:0a' }],
    metadata: { 'liquidmetal.dev/node': id }, userData: '#cloud-config\nhostname: ' + id + '\n', hash: 'sha256:' + id,
    ...overrides,
  };
}

function spec(generation, microvms, host = args.host) {
  return { host, generation, fleetRevision: 'interop', microvms, specHash: `sha256:interop-${generation}` };
}

// Reads a Watch stream until `until(status)` holds (then cancels) or the stream ends; never rejects.
function watch({ until = () => false, deadlineMs } = {}) {
  return new Promise((resolve) => {
    const options = deadlineMs ? { deadline: Date.now() + deadlineMs } : {};
    const call = agent.watch({}, withToken(), options);
    const seen = [];
    let done = false;
    const finish = (code, details) => {
      if (!done) {
        done = true;
        resolve({ code, details, seen });
      }
    };
    call.on('data', (status) => {
      seen.push(status);
      if (until(status)) {
        finish(0, '');
        call.cancel();
      }
    });
    call.on('error', (error) => finish(error.code, error.details));
    call.on('end', () => finish(0, 'ended'));
  });
}

function reflect(requests) {
  return new Promise((resolve) => {
    const call = reflection.serverReflectionInfo(withToken());
    const responses = [];
    call.on('data', (response) => responses.push(response));
    call.on('error', (error) => resolve({ code: error.code, details: error.details, responses }));
    call.on('end', () => resolve({ code: 0, responses }));
    requests.forEach((request) => call.write(request));
    call.end();
  });
}

const running = (ids) => (status) => ids.every((id) => status.vms.some((v) => v.id === id && v.state === 'VM_STATE_RUNNING'));

async function main() {
  // Health needs no token: a probe holds no secret.
  let r = await unary(health, 'check', { service: '' }, { metadata: new grpc.Metadata() });
  const overall = r.reply && r.reply.status;
  r = await unary(health, 'check', { service: 'liquidmetal.agent.v1.HostAgent' }, { metadata: new grpc.Metadata() });
  const service = r.reply && r.reply.status;
  r = await unary(health, 'check', { service: 'no.such.Service' }, { metadata: new grpc.Metadata() });
  emit({ scenario: 'health', overall, service, unknownCode: r.code });

  r = await unary(agent, 'getStatus', {}, { metadata: new grpc.Metadata() });
  emit({ scenario: 'unauthenticated', code: r.code, details: r.details });

  r = await unary(agent, 'getStatus', {});
  emit({ scenario: 'getStatus', code: r.code, host: r.reply && r.reply.host, provider: r.reply && r.reply.provider });

  r = await unary(agent, 'apply', { spec: spec(2, [vm('interop-a'), vm('interop-b', { vcpu: 2 })]) });
  emit({ scenario: 'apply', code: r.code, details: r.details, accepted: r.reply && r.reply.acceptedGeneration, vms: r.reply && r.reply.status.vms.length });

  const w = await watch({ until: running(['interop-a', 'interop-b']), deadlineMs: 20000 });
  const last = w.seen[w.seen.length - 1];
  emit({ scenario: 'watch', code: w.code, details: w.details, messages: w.seen.length, running: last ? last.vms.filter((v) => v.state === 'VM_STATE_RUNNING').map((v) => v.id).sort() : [] });

  r = await unary(agent, 'apply', { spec: spec(1, [vm('interop-a')]) });
  emit({ scenario: 'stale', code: r.code, details: r.details });

  r = await unary(agent, 'apply', { spec: spec(3, [vm('interop-c', { vcpu: 0, kernel: '/etc/passwd' })]) });
  emit({ scenario: 'invalid', code: r.code, details: r.details });

  r = await unary(agent, 'apply', { spec: spec(3, [vm('interop-a')], 'someone-else') });
  emit({ scenario: 'wrongHost', code: r.code, details: r.details });

  const started = Date.now();
  const d = await watch({ deadlineMs: 300 });
  emit({ scenario: 'deadline', code: d.code, messages: d.seen.length, elapsedMs: Date.now() - started });

  const big = Number(args['max-message-size']) + 1024;
  r = await unary(agent, 'apply', { spec: spec(3, [vm('interop-a', { userData: 'x'.repeat(big) })]) });
  emit({ scenario: 'sizeOver', code: r.code, details: r.details });

  // More open streams than Kestrel's default per-connection limit (100), and unary calls beside them.
  const watchers = [];
  const firsts = Array.from({ length: 150 }, () => new Promise((resolve) => {
    const call = agent.watch({}, withToken());
    watchers.push(call);
    call.once('data', () => resolve(true));
    call.on('error', () => resolve(false));
  }));
  const watching = (await Promise.all(firsts)).filter(Boolean).length;
  const results = await Promise.all(Array.from({ length: 100 }, () => unary(agent, 'getStatus', {}, { deadlineMs: 10000 })));
  watchers.forEach((call) => call.cancel());
  emit({ scenario: 'concurrent', watchers: watching, ok: results.filter((x) => x.code === 0).length });

  const reflected = await reflect([
    { listServices: '*' },
    { fileContainingSymbol: 'liquidmetal.agent.v1.HostAgent' },
  ]);
  const listed = reflected.responses.find((x) => x.listServicesResponse);
  const file = reflected.responses.find((x) => x.fileDescriptorResponse);
  const descriptor = file ? Buffer.concat(file.fileDescriptorResponse.fileDescriptorProto).toString('latin1') : '';
  emit({
    scenario: 'reflection',
    code: reflected.code,
    services: listed ? listed.listServicesResponse.service.map((s) => s.name).sort() : [],
    describesAgent: descriptor.includes('agent.proto') && descriptor.includes('HostAgent') && descriptor.includes('ApplyRequest'),
  });

  agent.close();
  health.close();
  reflection.close();
}

main().then(
  () => process.exit(0),
  (error) => {
    process.stderr.write(`${error.stack}\n`);
    process.exit(1);
  },
);
