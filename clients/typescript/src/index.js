// The supportd client for TypeScript and JavaScript: the generated
// messages and service descriptors of support.v1 (src/gen, by
// protoc-gen-es), plus the two things the generated client needs help
// with: sending the API key, and following a watch across reconnects.
import { Code, ConnectError } from "@connectrpc/connect";

export * from "./gen/support/v1/enums_pb.js";
export * from "./gen/support/v1/ticket_pb.js";
export * from "./gen/support/v1/support_pb.js";
export * from "./gen/support/v1/agent_pb.js";
export * from "./gen/support/v1/directory_pb.js";

/**
 * An interceptor that sends the API key on every call
 * (`authorization: Bearer <key>`).
 */
export function apiKey(key) {
  return (next) => async (req) => {
    req.header.set("Authorization", `Bearer ${key}`);
    return next(req);
  };
}

/** Codes after which a watch reconnects: the server or network went away. */
const transient = new Set([Code.Unavailable, Code.Internal, Code.Unknown, Code.Aborted]);

/**
 * resumingWatch follows a watch stream (open(resumeToken, signal) returns
 * the stream of WatchTicket, WatchTickets or WatchQueueTickets) and yields
 * its events. When the stream breaks with a transient error it reconnects
 * with backoff and resumes after the last event or checkpoint it saw:
 * nothing missed, nothing repeated. Other errors (OUT_OF_RANGE: the token
 * is older than the server keeps) end it. `watch.resumeToken` is the token
 * to save to continue later.
 */
export function resumingWatch(open, { resumeToken = "", signal, minDelayMs = 100, maxDelayMs = 10000 } = {}) {
  const watch = {
    resumeToken,
    async *[Symbol.asyncIterator]() {
      let delay = minDelayMs;
      for (;;) {
        try {
          for await (const msg of open(watch.resumeToken, signal)) {
            delay = minDelayMs;
            if (msg.update.case === "event") {
              watch.resumeToken = msg.update.value.resumeToken;
              yield msg.update.value;
            } else if (msg.update.case === "checkpoint") {
              watch.resumeToken = msg.update.value.resumeToken;
            }
          }
          // The server ended the stream (it is shutting down): resume.
        } catch (err) {
          const e = ConnectError.from(err);
          if (signal?.aborted || !transient.has(e.code)) throw e;
        }
        await new Promise((resolve) => setTimeout(resolve, delay * (0.5 + Math.random() / 2)));
        delay = Math.min(delay * 2, maxDelayMs);
      }
    },
  };
  return watch;
}
