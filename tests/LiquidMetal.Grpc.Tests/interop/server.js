'use strict';
// grpc-js Echo server for the interop tests.
// Usage: node server.js [--tls-dir DIR] [--max-message-size BYTES]
// Prints {"event":"listening","port":N} once bound on 127.0.0.1, then one line per server-side observation
// (e.g. {"event":"cancelled","method":"Stream","text":"..."}). Exits when stdin closes, so it never outlives the test.

const { grpc, parseArgs, loadEcho, tlsFiles, emit, sleep } = require('./common');

const args = parseArgs(process.argv.slice(2));
const maxMessageSize = Number(args['max-message-size'] || 4 * 1024 * 1024);
const Echo = loadEcho();

function metadataObject(metadata) {
  const result = {};
  for (const [key, value] of Object.entries(metadata.getMap())) {
    result[key] = Buffer.isBuffer(value) ? value.toString('base64') : String(value);
  }
  return result;
}

function statusOf(request) {
  const trailers = new grpc.Metadata();
  trailers.set('x-error-detail', 'from-grpc-js');
  return { code: request.statusCode, details: request.statusMessage, metadata: trailers };
}

// grpc-js also raises 'cancelled' when a finished call's stream closes; only a cut-short call counts.
function onCancelled(call, method, finished) {
  call.on('cancelled', () => {
    if (!finished()) {
      emit({ event: 'cancelled', method, text: call.request.text });
    }
  });
}

function unary(call, callback) {
  const request = call.request;
  let finished = false;
  onCancelled(call, 'Unary', () => finished);
  const reply = () => {
    if (call.cancelled) {
      return;
    }
    finished = true;
    if (request.statusCode) {
      callback(statusOf(request));
      return;
    }
    callback(null, {
      text: request.text,
      metadata: metadataObject(call.metadata),
      payload: Buffer.alloc(request.replySize),
      peer: call.getPeer(),
      requestPayloadSize: request.payload.length,
    });
  };
  if (request.delayMs > 0) {
    setTimeout(reply, request.delayMs);
  } else {
    reply();
  }
}

async function stream(call) {
  const request = call.request;
  let cancelled = false;
  let finished = false;
  let wake = () => {};
  call.on('cancelled', () => {
    cancelled = true;
    wake();
  });
  onCancelled(call, 'Stream', () => finished);
  for (let i = 0; i < request.count && !cancelled; i++) {
    const flowing = call.write({ text: request.text, index: i });
    if (request.delayMs > 0) {
      await sleep(request.delayMs);
    } else if (!flowing) {
      // Respect backpressure, but a cancel must also end the wait.
      await new Promise((resolve) => {
        wake = resolve;
        call.once('drain', resolve);
      });
    }
  }
  if (cancelled) {
    return;
  }
  finished = true;
  if (request.statusCode) {
    call.emit('error', statusOf(request));
  } else {
    call.end();
  }
}

const server = new grpc.Server({ 'grpc.max_receive_message_length': maxMessageSize });
server.addService(Echo.service, { unary, stream });

let credentials = grpc.ServerCredentials.createInsecure();
if (args['tls-dir']) {
  const tls = tlsFiles(args['tls-dir'], 'server');
  credentials = grpc.ServerCredentials.createSsl(tls.ca, [{ cert_chain: tls.cert, private_key: tls.key }], true);
}

server.bindAsync('127.0.0.1:0', credentials, (error, port) => {
  if (error) {
    process.stderr.write(`bind failed: ${error.message}\n`);
    process.exit(1);
  }
  emit({ event: 'listening', port });
});

process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
