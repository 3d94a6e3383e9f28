/**
 * A TCP proxy on loopback that can be cut and restored, like a phone's Wi-Fi dropping and
 * coming back while the server keeps running.
 *
 * @module
 */

/** Forwards connections on `port` to `target`; `cut()` drops them all, `restore()` listens again. */
export class TcpProxy {
  readonly port: number;
  readonly #target: number;
  #listener?: Deno.Listener;
  readonly #connections = new Set<Deno.Conn>();

  private constructor(port: number, target: number) {
    this.port = port;
    this.#target = target;
  }

  /** A proxy on a free port to `target` (a port on 127.0.0.1). */
  static start(target: number): TcpProxy {
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const proxy = new TcpProxy(listener.addr.port, target);
    proxy.#serve(listener);
    return proxy;
  }

  #serve(listener: Deno.Listener): void {
    this.#listener = listener;
    (async () => {
      try {
        for await (const client of listener) this.#forward(client);
      } catch {
        // closed by cut()
      }
    })();
  }

  async #forward(client: Deno.Conn): Promise<void> {
    let server: Deno.Conn;
    try {
      server = await Deno.connect({ hostname: "127.0.0.1", port: this.#target });
    } catch {
      client.close();
      return;
    }
    this.#connections.add(client);
    this.#connections.add(server);
    const close = () => {
      for (const conn of [client, server]) {
        if (this.#connections.delete(conn)) {
          try {
            conn.close();
          } catch {
            // already closed
          }
        }
      }
    };
    client.readable.pipeTo(server.writable).catch(() => {}).finally(close);
    server.readable.pipeTo(client.writable).catch(() => {}).finally(close);
  }

  /** Drops every connection and stops accepting new ones. */
  cut(): void {
    this.#listener?.close();
    this.#listener = undefined;
    for (const conn of this.#connections) {
      try {
        conn.close();
      } catch {
        // already closed
      }
    }
    this.#connections.clear();
  }

  /** Accepts connections again, on the same port. */
  restore(): void {
    this.#serve(Deno.listen({ hostname: "127.0.0.1", port: this.port }));
  }

  /** Stops for good. */
  close(): void {
    this.cut();
  }
}
