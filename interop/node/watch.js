#!/usr/bin/env node
// Interop check of supportd with a Node.js client: loads the API from the
// repository's .proto files (proto/ plus the well-known types that
// proto-loader ships), reads one ticket with GetTicket, then streams its
// history with WatchTicket until the first checkpoint.
//
//   node watch.js ADDR KEY TICKET_ID      (or SUPPORT_ADDR, SUPPORT_KEY)
//
// Output, one line each: "TICKET <id> <status> <severity>", then
// "EVENT <sequence> <type> <ticket_id>" per replayed event, then
// "CHECKPOINT <resume_token>" and "DONE". Exit status 1 on any error.
'use strict';

const path = require('path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const [addr = process.env.SUPPORT_ADDR || '127.0.0.1:8443', key = process.env.SUPPORT_KEY, ticketId] = process.argv.slice(2);
if (!key || !ticketId) {
  console.error('usage: node watch.js ADDR KEY TICKET_ID');
  process.exit(2);
}

const protoDir = path.resolve(__dirname, '..', '..', 'proto');
// The well-known types come with proto-loader's protobufjs: some as .proto
// files (google/protobuf/descriptor.proto, ...), the others (timestamp,
// duration, ...) as bundled definitions it resolves by name.
const wellKnown = path.dirname(require.resolve('protobufjs/package.json'));
const definition = protoLoader.loadSync('support/v1/support.proto', {
  includeDirs: [protoDir, wellKnown],
  keepCase: true,
  longs: String,
  enums: String,
  defaults: false,
  oneofs: true,
});
const api = grpc.loadPackageDefinition(definition).support.v1;
const client = new api.SupportService(addr, grpc.credentials.createInsecure());

function metadata() {
  const md = new grpc.Metadata();
  md.add('authorization', `Bearer ${key}`);
  return md;
}

function fail(what, err) {
  console.error(`${what}: ${err.code !== undefined ? grpc.status[err.code] : ''} ${err.details || err.message}`);
  client.close();
  process.exit(1);
}

const deadline = () => new Date(Date.now() + 30000);

client.GetTicket({ ticket_id: ticketId }, metadata(), { deadline: deadline() }, (err, resp) => {
  if (err) return fail('GetTicket', err);
  const t = resp.ticket;
  console.log(`TICKET ${t.id} ${t.status} ${t.severity}`);

  const stream = client.WatchTicket({ ticket_id: ticketId }, metadata(), { deadline: deadline() });
  let done = false;
  stream.on('data', (msg) => {
    if (msg.event) {
      const e = msg.event;
      console.log(`EVENT ${e.sequence} ${e.type} ${e.ticket_id}`);
    } else if (msg.checkpoint) {
      console.log(`CHECKPOINT ${msg.checkpoint.resume_token}`);
      console.log('DONE');
      done = true;
      stream.cancel();
      client.close();
    }
  });
  stream.on('error', (e) => {
    if (done && e.code === grpc.status.CANCELLED) return;
    fail('WatchTicket', e);
  });
  stream.on('end', () => {
    if (!done) fail('WatchTicket', new Error('stream ended before the first checkpoint'));
  });
});
