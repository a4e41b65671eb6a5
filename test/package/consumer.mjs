// An ESM consumer of the packed tarball: imports both entry points and runs a query.
import { PrometheusClient, PrometheusError } from "promfleet";
import { startFakePrometheus } from "promfleet/testing";

const fake = await startFakePrometheus({
  series: [{ labels: { __name__: "up", job: "esm" }, samples: [[1700000000, 1]] }],
});
const client = new PrometheusClient({ url: fake.url });
const r = await client.query("up", { time: 1700000000 });
if (
  r.data.resultType !== "vector" ||
  r.data.result[0]?.metric.job !== "esm" ||
  !(new PrometheusError("x") instanceof Error)
) {
  throw new Error(`unexpected result ${JSON.stringify(r)}`);
}
await client.close();
await fake.close();
console.log("esm consumer ok");
