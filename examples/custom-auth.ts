/**
 * A custom AuthStrategy: OAuth2 client credentials (RFC 6749 §4.4), as some hosted Prometheus
 * services and gateways want. Run with Node ≥ 22.18 (type stripping):
 *   TOKEN_URL=https://sso.example/token CLIENT_ID=... CLIENT_SECRET=... PROMETHEUS_URL=https://... \
 *     node examples/custom-auth.ts
 * (In your own code import from "promfleet"; this repository's examples import the sources.)
 */
import { inspect } from "node:util";
import { type AuthRequest, type AuthStrategy, PrometheusClient } from "../src/index.ts";

type Token = { value: string; renewAt: number };

/** Fetches a token with the client's id and secret, keeps it until shortly before it expires or a 401. */
class OAuth2ClientCredentials implements AuthStrategy {
  readonly type = "oauth2";
  readonly #options: { tokenUrl: string; clientId: string; clientSecret: string }; // #private: never shown
  #token: Promise<Token> | undefined; // one token request shared by concurrent requests

  constructor(options: { tokenUrl: string; clientId: string; clientSecret: string }) {
    this.#options = { ...options };
  }

  async apply({ headers }: AuthRequest): Promise<void> {
    this.#token ??= this.#fetchToken();
    let token = await this.#token;
    if (Date.now() >= token.renewAt) {
      this.#token = this.#fetchToken();
      token = await this.#token;
    }
    headers.set("authorization", `Bearer ${token.value}`);
  }

  refresh(): boolean {
    this.#token = undefined; // after a 401: fetch a new token, and the request is replayed once
    return true;
  }

  identity(): string {
    const { tokenUrl, clientId, clientSecret } = this.#options;
    return `${tokenUrl}\u0000${clientId}\u0000${clientSecret}`; // hashed by promfleet, never shown
  }

  describe(): string {
    return `oauth2(clientId=${this.#options.clientId}, tokenUrl=${this.#options.tokenUrl})`;
  }

  toJSON(): string {
    return this.describe();
  }

  [inspect.custom](): string {
    return `AuthStrategy ${this.describe()}`;
  }

  #fetchToken(): Promise<Token> {
    const pending = (async () => {
      const { tokenUrl, clientId, clientSecret } = this.#options;
      const basic = Buffer.from(`${clientId}:${clientSecret}`).toString("base64");
      const response = await fetch(tokenUrl, {
        method: "POST",
        headers: { authorization: `Basic ${basic}`, "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ grant_type: "client_credentials" }),
        signal: AbortSignal.timeout(10_000), // not one caller's signal: the token is shared
      });
      // Never the body in the message: a token endpoint's error may echo what it was sent.
      if (!response.ok) throw new Error(`the token endpoint answered ${response.status}`);
      const body = (await response.json()) as { access_token: string; expires_in?: number };
      return { value: body.access_token, renewAt: Date.now() + ((body.expires_in ?? 300) - 30) * 1000 };
    })();
    // A failure is not kept: the next request tries again.
    pending.catch(() => {
      if (this.#token === pending) this.#token = undefined;
    });
    return pending;
  }
}

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`set ${name}`);
  return value;
};

const client = new PrometheusClient({
  url: env("PROMETHEUS_URL"),
  auth: new OAuth2ClientCredentials({
    tokenUrl: env("TOKEN_URL"),
    clientId: env("CLIENT_ID"),
    clientSecret: env("CLIENT_SECRET"),
  }),
});
console.log(inspect(client)); // PrometheusClient { url: ..., auth: 'oauth2(clientId=..., tokenUrl=...)', ... }
const { data } = await client.query("up");
console.log(JSON.stringify(data));
await client.close();
