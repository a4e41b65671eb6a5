import type http from "node:http";
import type https from "node:https";
import type { AddressInfo, Socket } from "node:net";

/**
 * Listening on a free loopback port with every connection tracked, for the test servers that must close
 * at once: a stub that stalls on purpose or a proxy mid-handshake would otherwise keep close() waiting.
 */

/** A server listening on 127.0.0.1. */
export interface LoopbackListener {
  /** The port it listens on. */
  readonly port: number;
  /** TCP connections currently open to it (keep-alive ones count). */
  openSockets(): number;
  /** Stops listening and destroys every connection; resolves once the server and each socket are closed. */
  close(): Promise<void>;
}

/**
 * Starts `server` listening on a free loopback port. Connections are tracked at the raw TCP level, also
 * for HTTPS, so close() also ends connections stuck in a TLS handshake.
 */
export async function listenOnLoopback(server: http.Server | https.Server): Promise<LoopbackListener> {
  const sockets = new Set<Socket>();
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    openSockets: () => sockets.size,
    async close() {
      // Resolve only once every socket is closed too, so openSockets() and handle checks read 0 after it.
      const socketsClosed = [...sockets].map(
        (socket) => new Promise((resolve) => socket.once("close", resolve)),
      );
      const serverClosed = new Promise((resolve) => server.close(resolve));
      server.closeAllConnections();
      for (const socket of sockets) socket.destroy();
      await Promise.all([serverClosed, ...socketsClosed]);
    },
  };
}
