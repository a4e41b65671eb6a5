/**
 * A custom AuthStrategy: OAuth2 client credentials (RFC 6749 §4.4), as some hosted Prometheus
 * services and gateways want. examples/custom-auth.ts runs it against a server.
 * (In your own code import from "promfleet"; this repository's examples import the sources.)
 */
import { inspect } from "node:util";
import type { AuthRequest, AuthStrategy } from "../src/index.ts";

type Token = { value: string; renewAt: number };

/** Fetches a token with the client's id and secret, keeps it until shortly before it expires or a 401. */
export class OAuth2ClientCredentials implements AuthStrategy {
  readonly type = "oauth2";
  readonly #options: { tokenUrl: string; clientId: string; clientSecret: string }; // #private: never shown
  #token: Promise<Token> | undefined; // one token request shared by concurrent requests

  constructor(options: { tokenUrl: string; clientId: string; clientSecret: string }) {
    this.#options = { ...options };
  }

  async apply({ headers }: AuthRequest): Promise<void> {
    if (this.#token === undefined) this.#token = this.#fetchToken();
    const held = this.#token;
    let token = await held;
    if (Date.now() >= token.renewAt) {
      // The first request to find it stale renews it; the others (same `held`) share that renewal.
      if (this.#token === held || this.#token === undefined) this.#token = this.#fetchToken();
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
      // Renewed a little before it expires: 30 s, or a tenth of a short lifetime.
      const lifetime = body.expires_in ?? 300;
      return {
        value: body.access_token,
        renewAt: Date.now() + (lifetime - Math.min(30, lifetime / 10)) * 1000,
      };
    })();
    // A failure is not kept: the next request tries again.
    pending.catch(() => {
      if (this.#token === pending) this.#token = undefined;
    });
    return pending;
  }
}
