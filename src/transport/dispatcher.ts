import { Agent, type Dispatcher, EnvHttpProxyAgent } from "undici";
import type { ConnectOptions } from "./tls.ts";

/** Whether the environment asks for a proxy (HTTPS_PROXY, HTTP_PROXY, any case). */
export function proxyFromEnvironment(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(env.HTTPS_PROXY || env.https_proxy || env.HTTP_PROXY || env.http_proxy);
}

/**
 * One connection pool per client, so `close()` can release its sockets and TLS settings stay
 * per client. HTTPS_PROXY / HTTP_PROXY / NO_PROXY are honoured through undici's
 * EnvHttpProxyAgent, with the same TLS settings for the tunnelled connection.
 */
export function createDispatcher(connect: ConnectOptions): Dispatcher {
  const options = { connect, keepAliveTimeout: 4_000, keepAliveMaxTimeout: 60_000 };
  if (proxyFromEnvironment()) return new EnvHttpProxyAgent({ ...options, requestTls: connect });
  return new Agent(options);
}
