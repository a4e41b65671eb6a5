import { ResultCache } from "../cache/ResultCache.ts";
import type { Events } from "../observe/events.ts";
import type { Transport } from "../transport/Transport.ts";
import type { TlsOptions } from "../transport/tls.ts";
import { endpointUrl, redactUrl } from "../transport/url.ts";
import type { NormalizedClientOptions } from "./options.ts";

/** What a client lends its cache: its URL (without credentials), events, transport and identity. */
export interface ClientCacheIo {
  url: string;
  events: Events;
  transport: Transport;
  identity: (secret: string | undefined) => Promise<string>;
}

/** The client's result cache and single flight, when its options have a `cache`. */
export function createClientCache(o: NormalizedClientOptions, io: ClientCacheIo): ResultCache | undefined {
  if (!o.cache) return undefined;
  const secret = o.cacheKeySecret;
  return new ResultCache({
    keyv: o.cache,
    ttlMs: o.cacheTtlMs,
    secret,
    namespace: o.cacheNamespace,
    alignRanges: o.alignRanges,
    cacheTimeoutMs: o.cacheTimeoutMs,
    maxEntryBytes: o.cacheMaxEntryBytes,
    maxPointsPerSeries: o.maxPointsPerSeries,
    scope: o.cluster ?? io.url,
    baseUrl: cacheTarget(io.url, o.tls),
    headers: o.headers,
    cluster: o.cluster,
    clientTimeoutMs: o.timeoutMs,
    logger: o.logger,
    events: io.events,
    identity: () => io.identity(secret),
    fetch: (spec, call, decode) => io.transport.call(spec, call, decode),
    endpointOf: (spec) => redactUrl(endpointUrl(o.url, spec.path)),
    track: (work) => io.transport.inFlight.track(work),
  });
}

/**
 * What the cache keys say answered: the URL, and the TLS server name when one is set (a balancer
 * routing by SNI sends different names to different backends) and `insecureSkipVerify` (data
 * fetched without checking the certificate is not served to a client that checks it).
 */
function cacheTarget(url: string, tls: TlsOptions | undefined): string {
  let target = url;
  if (tls?.servername !== undefined) target += ` sni=${tls.servername}`;
  if (tls?.insecureSkipVerify) target += " unverified";
  return target;
}
