import { InvalidArgumentError } from "../errors/InvalidArgumentError.ts";

/** Schemes a URL given by mistake may have, safe to name in an error. */
const KNOWN_SCHEMES = new Set([
  "http:",
  "https:",
  "ftp:",
  "file:",
  "ws:",
  "wss:",
  "redis:",
  "rediss:",
  "grpc:",
  "unix:",
  "tcp:",
]);

/**
 * How an error names a URL's unexpected scheme: only when it is a known one. Text before a
 * colon may be a secret put in the wrong field (a token, `user:password`), and
 * "prometheus:9090" is a missing `expected` anyway.
 */
export function otherScheme(protocol: string, expected: string): string {
  return KNOWN_SCHEMES.has(protocol) ? `, not ${protocol}` : ` (it does not start with ${expected})`;
}

/**
 * Parses the client's base URL. Keeps a path prefix (`https://host/prometheus` → requests go to
 * `https://host/prometheus/api/v1/...`). Credentials in the URL are refused: fetch cannot send
 * them, and URLs end up in logs; use `basicAuth` instead.
 */
export function parseBaseUrl(raw: unknown): URL {
  if (typeof raw !== "string" && !(raw instanceof URL)) {
    throw new InvalidArgumentError("url", "url must be a string such as https://prometheus.example:9090");
  }
  let url: URL;
  try {
    url = new URL(String(raw));
  } catch {
    throw new InvalidArgumentError(
      "url",
      "url is not a valid absolute URL (expected e.g. https://prometheus.example:9090)",
    );
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new InvalidArgumentError(
      "url",
      `url must use http: or https:${otherScheme(url.protocol, "http:// or https://")}`,
    );
  }
  if (url.username || url.password) {
    throw new InvalidArgumentError(
      "url",
      "url must not contain credentials; pass auth: basicAuth({ username, password }) instead",
    );
  }
  url.hash = "";
  url.search = "";
  if (!url.pathname.endsWith("/")) url.pathname += "/";
  return url;
}

/** Joins the base URL and an API path such as `api/v1/query` (leading slash optional). */
export function endpointUrl(base: URL, path: string): URL {
  return new URL(path.replace(/^\/+/, ""), base);
}

/** A URL as shown in errors and logs: origin and path only, no credentials, query or fragment. */
export function redactUrl(url: URL | string): string {
  try {
    const u = new URL(String(url));
    return `${u.origin}${u.pathname}`;
  } catch {
    return "(invalid URL)";
  }
}
