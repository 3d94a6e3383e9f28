/**
 * A request's body, read no further than a cap: the web remote's requests come from a LAN with
 * guests.
 *
 * @module
 */

import type { IncomingMessage } from "node:http";

/** A request's body as text, or undefined once it is longer than `maxBytes` (or broken): it is
 * never read whole, so a huge body costs nothing (an unbounded read of one let a stranger on
 * the LAN exhaust the process's memory). */
export function readCapped(
  request: IncomingMessage,
  maxBytes: number,
): Promise<string | undefined> {
  const declared = Number(request.headers["content-length"] ?? "0");
  if (!(declared <= maxBytes)) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    const chunks: Uint8Array[] = [];
    let size = 0;
    let done = false;
    const finish = (text: string | undefined) => {
      if (done) return;
      done = true;
      request.removeAllListeners("data");
      request.on("data", () => {}); // keep it flowing: discarded
      resolve(text);
    };
    request.on("data", (chunk: Uint8Array) => {
      size += chunk.byteLength;
      if (size > maxBytes) {
        // Drop the rest unread (the idle timer closes the connection if it goes on), so the
        // client can still read the answer.
        chunks.length = 0;
        finish(undefined);
        request.resume();
        return;
      }
      chunks.push(chunk);
    });
    request.once("end", () => {
      const bytes = new Uint8Array(size);
      let at = 0;
      for (const chunk of chunks) {
        bytes.set(chunk, at);
        at += chunk.byteLength;
      }
      finish(new TextDecoder().decode(bytes));
    });
    request.once("error", () => finish(undefined));
    request.once("close", () => finish(undefined)); // after "end" this is a no-op
  });
}
