import { execFile } from "node:child_process";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { OAuth2ClientCredentials } from "../../examples/oauth2.ts";
import { prometheusMissing } from "../support/binaries.ts";
import { type RbacProxy, startRbacProxy } from "../support/rbacProxy.ts";

const example = fileURLToPath(new URL("../../examples/custom-auth.ts", import.meta.url));
const CLIENT_SECRET = "client-secret-RECOGNISABLE-42";

/**
 * examples/custom-auth.ts run as a script: an OAuth2 token endpoint (client credentials checked)
 * hands out a token that a kube-rbac-proxy-like proxy in front of the shared Prometheus accepts.
 */
describe.skipIf(prometheusMissing)("the custom OAuth2 strategy example", () => {
  let tokenServer: http.Server;
  let tokenUrl = "";
  let proxy: RbacProxy;
  const grants: string[] = [];

  beforeAll(async () => {
    tokenServer = http.createServer((req, res) => {
      let body = "";
      req.on("data", (chunk) => {
        body += chunk;
      });
      req.on("end", () => {
        const expected = `Basic ${Buffer.from(`promfleet:${CLIENT_SECRET}`).toString("base64")}`;
        if (req.headers.authorization !== expected || body !== "grant_type=client_credentials") {
          res.writeHead(401).end();
          return;
        }
        grants.push(body);
        res.writeHead(200, { "content-type": "application/json" });
        res.end(
          JSON.stringify({ access_token: "oauth-access-token", token_type: "Bearer", expires_in: 3600 }),
        );
      });
    });
    await new Promise<void>((resolve) => tokenServer.listen(0, "127.0.0.1", resolve));
    tokenUrl = `http://127.0.0.1:${(tokenServer.address() as AddressInfo).port}/token`;
    proxy = await startRbacProxy({
      upstream: inject("prometheusUrl") ?? "",
      tokens: { "oauth-access-token": { user: "oauth-client", verbs: ["get", "create"] } },
    });
  });
  afterAll(async () => {
    await proxy?.close();
    tokenServer?.closeAllConnections();
    await new Promise((r) => tokenServer?.close(r));
  });

  it("gets a token with the client's credentials and queries through the proxy, showing no secret", async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [example], {
      env: {
        PATH: process.env.PATH ?? "",
        PROMETHEUS_URL: proxy.url,
        TOKEN_URL: tokenUrl,
        CLIENT_ID: "promfleet",
        CLIENT_SECRET,
      },
      timeout: 30_000,
    });
    expect(grants).toEqual(["grant_type=client_credentials"]);
    expect(stdout).toContain(`auth: 'oauth2(clientId=promfleet, tokenUrl=${tokenUrl})'`);
    expect(stdout).toContain('"resultType":"vector"');
    expect(stdout).not.toContain(CLIENT_SECRET);
    expect(proxy.requests.map((r) => r.status)).toEqual([200]);
  });
});

describe("the OAuth2 strategy of the example, under concurrent requests", () => {
  let server: http.Server;
  let tokenUrl = "";
  let grants = 0;
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      req.resume();
      req.on("end", () => {
        grants++;
        // A slow token endpoint with one-second tokens: renewals overlap with requests.
        setTimeout(() => {
          res.writeHead(200, { "content-type": "application/json" });
          res.end(JSON.stringify({ access_token: `token-${grants}`, token_type: "Bearer", expires_in: 1 }));
        }, 50);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    tokenUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`;
  });
  afterAll(async () => {
    server?.closeAllConnections();
    await new Promise((r) => server?.close(r));
  });

  it("fetches one token for concurrent requests, and renews a stale one once, not once per request", async () => {
    const strategy = new OAuth2ClientCredentials({ tokenUrl, clientId: "id", clientSecret: CLIENT_SECRET });
    const applyMany = () =>
      Promise.all(
        Array.from({ length: 10 }, async () => {
          const headers = new Headers();
          await strategy.apply({ headers, url: new URL("http://x"), signal: new AbortController().signal });
          return headers.get("authorization");
        }),
      );
    expect(new Set(await applyMany())).toEqual(new Set(["Bearer token-1"]));
    // A one-second token is renewed a tenth of its life early: stale after 0.9 s.
    await new Promise((r) => setTimeout(r, 1_000));
    expect(new Set(await applyMany())).toEqual(new Set(["Bearer token-2"]));
    expect(grants).toBe(2);
  });
});
