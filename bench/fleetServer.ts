/**
 * The fleet benchmark's loopback server, in its own process so serving does not share an event
 * loop with the collector being measured. One port stands for many clusters, told apart by a
 * path prefix: `/c<N>/api/v1/query` answers a one-sample vector after `LATENCY_MS`, `/dead/...`
 * never answers. It prints `{"port": N}` once it listens; each line `stats` on stdin is answered
 * with a JSON line of open and peak connections and requests in flight, and resets the peaks.
 */
import { createServer } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { createInterface } from "node:readline";

const latencyMs = Number(process.env.LATENCY_MS ?? 50);
const body = JSON.stringify({
  status: "success",
  data: { resultType: "vector", result: [{ metric: { job: "bench" }, value: [1_700_000_000, "1"] }] },
});

const sockets = new Set<Socket>();
let peakSockets = 0;
let inFlight = 0;
let peakInFlight = 0;

const server = createServer((req, res) => {
  inFlight++;
  peakInFlight = Math.max(peakInFlight, inFlight);
  let counted = true;
  const done = (): void => {
    if (counted) inFlight--;
    counted = false;
  };
  res.once("close", done);
  req.resume();
  if (req.url?.startsWith("/dead/")) return; // never answers; the client's deadline ends it
  const timer = setTimeout(() => {
    res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
    res.end(body);
  }, latencyMs);
  res.once("close", () => clearTimeout(timer));
});
server.keepAliveTimeout = 60_000;
server.on("connection", (socket: Socket) => {
  sockets.add(socket);
  peakSockets = Math.max(peakSockets, sockets.size);
  socket.once("close", () => sockets.delete(socket));
});
server.listen(0, "127.0.0.1", () => {
  process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`);
});

const input = createInterface({ input: process.stdin });
input.on("line", (line) => {
  if (line.trim() !== "stats") return;
  process.stdout.write(
    `${JSON.stringify({ openSockets: sockets.size, peakSockets, inFlight, peakInFlight })}\n`,
  );
  peakSockets = sockets.size;
  peakInFlight = inFlight;
});
// The parent closes our stdin when it is done (or dies): then we go too.
input.on("close", () => {
  server.closeAllConnections();
  server.close();
  process.exit(0);
});
