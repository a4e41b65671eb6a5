// A TypeScript consumer, type-checked with strict settings and skipLibCheck: false.
import { type ApiResponse, PrometheusClient, type QueryData, TimeoutError } from "promfleet";
import { type FakePrometheus, startFakePrometheus } from "promfleet/testing";

export async function run(): Promise<number> {
  const fake: FakePrometheus = await startFakePrometheus();
  const client = new PrometheusClient({ url: fake.url, timeout: 5_000 });
  try {
    const r: ApiResponse<QueryData> = await client.query("up");
    return r.data.resultType === "vector" ? r.data.result.length : -1;
  } catch (error) {
    if (error instanceof TimeoutError) return -2;
    throw error;
  } finally {
    await client.close();
    await fake.close();
  }
}
