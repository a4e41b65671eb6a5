/**
 * The benchmark's loopback server, run in its own process so serving bytes does not share an
 * event loop (or a garbage collector) with the clients being measured. It answers
 * /api/v1/query_range and /api/v1/query, by GET or form POST, with the body named by the
 * `query` parameter, and prints `{"port": N}` on stdout once it listens.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { BODIES } from "./suite.ts";

const bodies = new Map<string, Buffer>();
for (const spec of BODIES) bodies.set(spec.name, Buffer.from(spec.make().text));

function queryName(url: URL, form: string): string | null {
  return url.searchParams.get("query") ?? new URLSearchParams(form).get("query");
}

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (chunk: Buffer) => chunks.push(chunk));
  req.on("end", () => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const name = queryName(url, Buffer.concat(chunks).toString("utf8"));
    const body = name === null ? undefined : bodies.get(name);
    if (!url.pathname.startsWith("/api/v1/query") || body === undefined) {
      res.writeHead(400, { "content-type": "application/json" });
      res.end(
        JSON.stringify({ status: "error", errorType: "bad_data", error: `unknown bench query ${name}` }),
      );
      return;
    }
    res.writeHead(200, { "content-type": "application/json", "content-length": body.length });
    res.end(body);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, "127.0.0.1", () => {
  process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`);
});
// The parent closes our stdin when it is done (or dies): then we go too.
process.stdin.resume();
process.stdin.on("end", () => process.exit(0));
process.stdin.on("close", () => process.exit(0));
