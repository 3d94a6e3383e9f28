/**
 * A small static file server on 127.0.0.1 for the import-by-URL tests: serves a folder as a
 * web host would serve a deployed copy of stemplay.
 *
 * Run as a script to serve the repository by hand (e.g. to follow the README's recipe):
 * `deno run --allow-net=127.0.0.1 --allow-read tests/support/static_server.ts [folder] [port]`.
 *
 * @module
 */

const CONTENT_TYPES: Record<string, string> = {
  ts: "application/typescript; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  json: "application/json",
  c: "text/plain; charset=utf-8",
  h: "text/plain; charset=utf-8",
};

/** A running server; `close()` stops it. */
export interface StaticServer {
  /** The root URL, ending in "/". */
  url: URL;
  /** How many requests it answered, by path (a test can see what was fetched). */
  requests: Map<string, number>;
  /** Stops listening and waits for open connections to finish. */
  close(): Promise<void>;
}

/** Serves `root` (a folder path) on 127.0.0.1, on `port` (0: any free port). */
export function serveFolder(root: string, port = 0): StaticServer {
  const requests = new Map<string, number>();
  const server = Deno.serve({ hostname: "127.0.0.1", port, onListen() {} }, async (request) => {
    const path = decodeURIComponent(new URL(request.url).pathname);
    requests.set(path, (requests.get(path) ?? 0) + 1);
    if (path.split("/").includes("..")) return new Response("forbidden", { status: 403 });
    try {
      const body = await Deno.readFile(`${root.replace(/\/+$/, "")}${path}`);
      const extension = path.split(".").pop() ?? "";
      return new Response(body, {
        headers: { "content-type": CONTENT_TYPES[extension] ?? "application/octet-stream" },
      });
    } catch {
      return new Response("not found", { status: 404 });
    }
  });
  return {
    url: new URL(`http://127.0.0.1:${server.addr.port}/`),
    requests,
    close: () => server.shutdown(),
  };
}

if (import.meta.main) {
  const root = Deno.args[0] ?? new URL("../..", import.meta.url).pathname;
  const server = serveFolder(root, Number(Deno.args[1] ?? 8000));
  console.log(`serving ${root} at ${server.url.href}`);
}
