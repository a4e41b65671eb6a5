import { Keyv } from "keyv";
import { HttpResponse, http } from "msw";
import { describe, expect, it } from "vitest";
import { PrometheusClient } from "../../src/index.ts";
import { mockPrometheus } from "./promMock.ts";

const server = mockPrometheus();

describe("cache keys and TLS", () => {
  it("clients differing in tls.servername or insecureSkipVerify do not share entries", async () => {
    let answered = 0;
    server.use(
      http.post("https://10.0.0.1:9091/api/v1/query", () => {
        answered++;
        return HttpResponse.json({ status: "success", data: { resultType: "vector", result: [] } });
      }),
    );
    const cache = new Keyv();
    const url = "https://10.0.0.1:9091";
    const clients = [
      new PrometheusClient({ url, cache, tls: { servername: "tenant-a.example" } }),
      new PrometheusClient({ url, cache, tls: { servername: "tenant-b.example" } }),
      new PrometheusClient({ url, cache, tls: { servername: "tenant-b.example", insecureSkipVerify: true } }),
      new PrometheusClient({ url, cache, tls: { servername: "tenant-a.example" } }),
    ];
    const cached: boolean[] = [];
    for (const client of clients) {
      cached.push((await client.query("up", { time: 1_700_000_000 })).cached);
      await new Promise((r) => setTimeout(r, 20)); // the write lands
    }
    await Promise.all(clients.map((c) => c.close()));
    expect(cached).toEqual([false, false, false, true]);
    expect(answered).toBe(3);
  });
});
