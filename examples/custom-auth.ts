/**
 * A custom AuthStrategy: OAuth2 client credentials (RFC 6749 §4.4), as some hosted Prometheus
 * services and gateways want. Run with Node ≥ 22.18 (type stripping):
 *   TOKEN_URL=https://sso.example/token CLIENT_ID=... CLIENT_SECRET=... PROMETHEUS_URL=https://... \
 *     node examples/custom-auth.ts
 * The strategy itself is in examples/oauth2.ts.
 * (In your own code import from "promfleet"; this repository's examples import the sources.)
 */
import { inspect } from "node:util";
import { PrometheusClient } from "../src/index.ts";
import { OAuth2ClientCredentials } from "./oauth2.ts";

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
