'use strict';
// grpc-js Echo client for the interop tests: runs every scenario against one server and prints one JSON line per
// scenario, e.g. {"scenario":"unary","code":0,"text":"hello"}; then exits 0.
// Usage: node client.js --target 127.0.0.1:PORT [--tls-dir DIR] [--token TOKEN] [--max-message-size BYTES]

const { grpc, parseArgs, loadEcho, tlsFiles, emit } = require('./common');

const args = parseArgs(process.argv.slice(2));
const maxMessageSize = Number(args['max-message-size'] || 4 * 1024 * 1024);
const Echo = loadEcho();

let credentials = grpc.credentials.createInsecure();
if (args['tls-dir']) {
  const tls = tlsFiles(args['tls-dir'], 'client');
  credentials = grpc.credentials.createSsl(tls.ca, tls.key, tls.cert);
}
const client = new Echo(args.target, credentials, { 'grpc.max_receive_message_length': maxMessageSize });

function metadata(extra = {}, withToken = true) {
  const result = new grpc.Metadata();
  if (withToken && args.token) {
    result.set('authorization', `Bearer ${args.token}`);
  }
  for (const [key, value] of Object.entries(extra)) {
    result.set(key, value);
  }
  return result;
}

// Resolves with the whole outcome (never rejects): status code and details, reply, response headers and trailers.
function unary(request, { deadlineMs, extraMetadata, withToken, method } = {}) {
  return new Promise((resolve) => {
    const options = deadlineMs ? { deadline: Date.now() + deadlineMs } : {};
    const outcome = { headers: {}, trailers: {} };
    const done = (error, reply) => {
      outcome.code = error ? error.code : 0;
      outcome.details = error ? error.details : '';
      outcome.reply = reply;
      if (error && error.metadata) {
        outcome.trailers = error.metadata.getMap();
      }
      // The status event carries the trailers on success; give it a turn to arrive.
      setImmediate(() => resolve(outcome));
    };
    const md = metadata(extraMetadata, withToken !== false);
    const call = method
      ? client.makeUnaryRequest(method, (m) => m, (b) => b, Buffer.alloc(0), md, options, done)
      : client.unary(request, md, options, done);
    call.on('metadata', (headers) => { outcome.headers = headers.getMap(); });
    call.on('status', (status) => { outcome.trailers = status.metadata.getMap(); });
  });
}

// Reads a stream; cancelAfter > 0 cancels the call after that many messages.
function stream(request, { cancelAfter = 0 } = {}) {
  return new Promise((resolve) => {
    const call = client.stream(request, metadata());
    const indexes = [];
    call.on('data', (reply) => {
      indexes.push(reply.index);
      if (cancelAfter > 0 && indexes.length === cancelAfter) {
        call.cancel();
      }
    });
    call.on('error', (error) => resolve({ code: error.code, details: error.details, indexes }));
    call.on('end', () => resolve({ code: 0, details: '', indexes }));
  });
}

const inOrder = (indexes) => indexes.every((value, i) => value === i);

async function main() {
  let r = await unary({ text: 'hello' });
  emit({ scenario: 'unary', code: r.code, details: r.details, text: r.reply && r.reply.text });

  let s = await stream({ text: 'many', count: 1000 });
  emit({ scenario: 'stream', code: s.code, details: s.details, count: s.indexes.length, inOrder: inOrder(s.indexes) });

  const message = 'réseau indisponible — 網絡';
  r = await unary({ text: 'error', statusCode: grpc.status.UNAVAILABLE, statusMessage: message });
  emit({ scenario: 'error', code: r.code, details: r.details, trailer: r.trailers['x-error-detail'] || null });

  s = await stream({ text: 'stream-error', count: 3, statusCode: grpc.status.FAILED_PRECONDITION, statusMessage: message });
  emit({ scenario: 'streamError', code: s.code, details: s.details, count: s.indexes.length });

  let started = Date.now();
  r = await unary({ text: 'deadline-js', delayMs: 5000 }, { deadlineMs: 200 });
  emit({ scenario: 'deadline', code: r.code, details: r.details, elapsedMs: Date.now() - started });

  s = await stream({ text: 'cancel-js', count: 1000000, delayMs: 2 }, { cancelAfter: 5 });
  emit({ scenario: 'cancel', code: s.code, count: s.indexes.length });

  r = await unary(null, { method: '/liquidmetal.test.v1.Echo/Missing' });
  const missingMethod = r.code;
  r = await unary(null, { method: '/liquidmetal.test.v1.Nope/Nothing' });
  emit({ scenario: 'unimplemented', missingMethod, missingService: r.code, details: r.details });

  started = Date.now();
  const results = await Promise.all(Array.from({ length: 100 }, (_, i) => unary({ text: `c${i}`, delayMs: 100 })));
  emit({
    scenario: 'concurrent',
    ok: results.filter((x) => x.code === 0).length,
    peers: new Set(results.map((x) => x.reply && x.reply.peer)).size,
    elapsedMs: Date.now() - started,
  });

  // Within 1 KiB of the limit: room for the other fields of each message.
  const near = maxMessageSize - 1024;
  r = await unary({ text: 'near', payload: Buffer.alloc(near), replySize: near });
  emit({ scenario: 'sizeNear', code: r.code, details: r.details, requestPayloadSize: r.reply && r.reply.requestPayloadSize, replyPayloadSize: r.reply && r.reply.payload.length });
  r = await unary({ text: 'over-request', payload: Buffer.alloc(maxMessageSize + 1) });
  emit({ scenario: 'sizeOverRequest', code: r.code, details: r.details });
  r = await unary({ text: 'over-reply', replySize: maxMessageSize + 1 });
  emit({ scenario: 'sizeOverReply', code: r.code, details: r.details });

  r = await unary({ text: 'metadata' }, { extraMetadata: { 'x-trace-id': 'trace-123' } });
  emit({
    scenario: 'metadata',
    code: r.code,
    seenByServer: r.reply && r.reply.metadata['x-trace-id'],
    header: r.headers['x-echo-header'] || null,
    trailer: r.trailers['x-echo-trailer'] || null,
  });

  if (args.token) {
    r = await unary({ text: 'no-token' }, { withToken: false });
    emit({ scenario: 'unauthenticated', code: r.code, details: r.details });
  }

  client.close();
}

main().then(
  () => process.exit(0),
  (error) => {
    process.stderr.write(`${error.stack}\n`);
    process.exit(1);
  },
);
