import type { Interceptor } from "@connectrpc/connect";
import type { TicketEvent } from "./gen/support/v1/ticket_pb.js";

export * from "./gen/support/v1/enums_pb.js";
export * from "./gen/support/v1/ticket_pb.js";
export * from "./gen/support/v1/support_pb.js";
export * from "./gen/support/v1/agent_pb.js";
export * from "./gen/support/v1/directory_pb.js";

/** An interceptor that sends the API key on every call (`authorization: Bearer <key>`). */
export declare function apiKey(key: string): Interceptor;

/** A message of a watch stream: an event or a checkpoint. */
export interface WatchMessage {
  update:
    | { case: "event"; value: TicketEvent }
    | { case: "checkpoint"; value: { resumeToken: string } }
    | { case: undefined; value?: undefined };
}

/** A watch that resumes after reconnecting; iterate it for the events. */
export interface ResumingWatch extends AsyncIterable<TicketEvent> {
  /** The token to resume from: after the last event or checkpoint seen. */
  resumeToken: string;
}

/**
 * Follows a watch stream, reconnecting with backoff on transient errors and
 * resuming after the last event or checkpoint seen.
 */
export declare function resumingWatch(
  open: (resumeToken: string, signal?: AbortSignal) => AsyncIterable<WatchMessage>,
  options?: { resumeToken?: string; signal?: AbortSignal; minDelayMs?: number; maxDelayMs?: number },
): ResumingWatch;
