// A CommonJS consumer: require(esm) (Node >= 22.12) loads the ESM package synchronously.
const { PrometheusClient } = require("promfleet");
const { startFakePrometheus } = require("promfleet/testing");

(async () => {
  const fake = await startFakePrometheus({
    series: [{ labels: { __name__: "up", job: "cjs" }, samples: [[1700000000, 1]] }],
  });
  const client = new PrometheusClient({ url: fake.url });
  const r = await client.query("up", { time: 1700000000 });
  if (r.data.resultType !== "vector" || r.data.result[0]?.metric.job !== "cjs")
    throw new Error("unexpected result");
  await client.close();
  await fake.close();
  console.log(`cjs consumer ok on ${process.version}`);
})().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
