import net from "node:net";

/**
 * A loopback TCP proxy in front of Redis. `blackhole()` stops carrying bytes on the connections
 * open now, without closing them — what a NAT or load balancer that dropped an idle connection,
 * or a failed-over cloud Redis, looks like from the client; new connections pass. `delayMs`
 * delays every chunk (a Redis on another host).
 */
export async function redisProxy(port: number, delayMs = 0) {
  const open = new Set<{ client: net.Socket; upstream: net.Socket; silent: boolean }>();
  let connections = 0;
  const server = net.createServer((client) => {
    connections++;
    const upstream = net.connect(port, "127.0.0.1");
    const pair = { client, upstream, silent: false };
    open.add(pair);
    const forward = (from: net.Socket, to: net.Socket) =>
      from.on("data", (chunk) => {
        if (pair.silent) return;
        if (delayMs === 0) to.write(chunk);
        else setTimeout(() => !pair.silent && !to.destroyed && to.write(chunk), delayMs);
      });
    forward(client, upstream);
    forward(upstream, client);
    const drop = () => {
      open.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on("error", drop).on("close", drop);
    upstream.on("error", drop).on("close", drop);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `redis://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    get connections() {
      return connections;
    },
    blackhole(): void {
      for (const pair of open) pair.silent = true;
    },
    async close(): Promise<void> {
      server.close();
      for (const { client, upstream } of open) {
        client.destroy();
        upstream.destroy();
      }
    },
  };
}

/** How `promise` ended within `ms`: its value, "rejected", or "pending". */
export async function within<T>(promise: Promise<T>, ms: number): Promise<T | "rejected" | "pending"> {
  let timer: NodeJS.Timeout | undefined;
  const pending = new Promise<"pending">((resolve) => {
    timer = setTimeout(() => resolve("pending"), ms);
  });
  try {
    return await Promise.race([promise.catch(() => "rejected" as const), pending]);
  } finally {
    clearTimeout(timer);
  }
}
