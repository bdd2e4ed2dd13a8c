// Runs against a real supportd (started by interop/typescript_test.go):
// SUPPORTD_ADDR is its gRPC address, SUPPORTD_HTTP its HTTP listener,
// SUPPORTD_KEY a partner key of the demo directory.
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import {
  SupportService, Service, Severity, TicketEventType, TicketStatus, apiKey, resumingWatch,
} from "../src/index.js";

const { SUPPORTD_ADDR, SUPPORTD_HTTP, SUPPORTD_KEY } = process.env;

const transports = {
  grpc: (interceptors) => createGrpcTransport({ baseUrl: `http://${SUPPORTD_ADDR}`, interceptors }),
  connect: (interceptors) => createConnectTransport({ baseUrl: `http://${SUPPORTD_HTTP}`, httpVersion: "1.1", interceptors }),
};

const filing = () => ({
  requestId: randomUUID(), customerId: "litware", service: Service.AZURE, supportTopicId: "azure-vm-connectivity",
  severity: Severity.B, language: "en-US", title: "VM unreachable", description: "RDP times out since 10:00",
  contact: { name: "Ann Smith", email: "ann@adatum.example" },
});

for (const [name, transport] of Object.entries(transports)) {
  const client = createClient(SupportService, transport([apiKey(SUPPORTD_KEY)]));

  test(`${name}: create, get, list with paging`, async () => {
    const first = (await client.createTicket(filing())).ticket;
    const second = (await client.createTicket(filing())).ticket;
    assert.equal(first.status, TicketStatus.NEW);
    assert.equal((await client.getTicket({ ticketId: first.id })).ticket.id, first.id);
    const page1 = await client.listTickets({ customerId: "litware", pageSize: 1 });
    assert.equal(page1.tickets.length, 1);
    assert.notEqual(page1.nextPageToken, "");
    const page2 = await client.listTickets({ customerId: "litware", pageSize: 1, pageToken: page1.nextPageToken });
    assert.deepEqual([page1.tickets[0].id, page2.tickets[0].id], [second.id, first.id]); // newest first
  });

  test(`${name}: a typed error with its details`, async () => {
    await assert.rejects(client.getTicket({ ticketId: "nope" }), (err) => {
      assert.ok(err instanceof ConnectError);
      assert.equal(err.code, Code.NotFound);
      assert.ok(err.details.some((d) => d.type === "google.rpc.ErrorInfo"), "an ErrorInfo detail");
      return true;
    });
    const anonymous = createClient(SupportService, transport([]));
    await assert.rejects(anonymous.getTicket({ ticketId: "nope" }), (err) => err.code === Code.Unauthenticated);
  });

  test(`${name}: a watch resumes after the stream breaks`, async () => {
    // Breaks the first WatchTicket stream after its first message, as a
    // dropped connection would.
    let streams = 0;
    const breakFirst = (next) => async (req) => {
      if (!req.stream || req.method.name !== "WatchTicket") return next(req);
      const res = await next(req);
      if (streams++ > 0) return res;
      async function* broken() {
        for await (const msg of res.message) {
          yield msg;
          throw new ConnectError("connection dropped", Code.Unavailable);
        }
      }
      return { ...res, message: broken() };
    };
    const watched = createClient(SupportService, transport([apiKey(SUPPORTD_KEY), breakFirst]));
    const ticket = (await client.createTicket(filing())).ticket;
    await client.addTicketNote({ ticketId: ticket.id, text: "logs attached" });

    const ac = new AbortController();
    const tokens = []; // the resume token of each open
    const watch = resumingWatch((resumeToken, signal) => {
      tokens.push(resumeToken);
      return watched.watchTicket({ ticketId: ticket.id, resumeToken }, { signal });
    }, { signal: ac.signal, minDelayMs: 1 });
    const types = [];
    for await (const ev of watch) {
      assert.equal(ev.ticketId, ticket.id);
      types.push(ev.type);
      if (ev.type === TicketEventType.NOTE_ADDED) break;
    }
    ac.abort();
    assert.deepEqual(types, [TicketEventType.CREATED, TicketEventType.NOTE_ADDED]); // nothing missed or repeated
    assert.equal(tokens.length, 2);
    assert.equal(tokens[0], "");
    assert.notEqual(tokens[1], ""); // the second open resumed after the first event
  });
}
