import { describe, expect, it } from "vitest";
import { jsonBody, textBody } from "../support/stubServer.ts";
import { collectorPool } from "./collectorHelpers.ts";
import { stubPool } from "./collectorStubs.ts";

const stub = stubPool();
const collector = collectorPool();

const vec = (result: unknown[], extra: object = {}) => ({
  status: "success",
  data: { resultType: "vector", result },
  ...extra,
});

describe("merged() edges", () => {
  it("cluster label collisions, duplicates, __proto__ labels, scalars and empties", async () => {
    const a = await stub(
      jsonBody(
        200,
        vec(
          [
            { metric: { __name__: "up", cluster: "inner", exported_cluster: "x" }, value: [1, "1"] },
            { metric: { __name__: "up", cluster: "inner", exported_cluster: "x" }, value: [1, "2"] },
            JSON.parse('{"metric":{"__proto__":"p","job":"j"},"value":[1,"3"]}'),
          ],
          { warnings: ["partial"] },
        ),
      ),
    );
    const b = await stub(
      jsonBody(200, { status: "success", data: { resultType: "scalar", result: [2, "5"] } }),
    );
    const c = await stub(jsonBody(200, vec([])));
    const d = await stub(textBody(500, "boom"));
    const fleet = collector({
      registry: [
        { id: "a", url: a.url },
        { id: "b", url: b.url },
        { id: "c", url: c.url },
        { id: "d", url: d.url },
      ],
    });
    const r = await fleet.query("up");
    const m = r.merged();
    expect(m.data.resultType).toBe("vector");
    const samples = (m.data as { result: Array<{ metric: Record<string, string>; value: number }> }).result;
    expect(samples.length).toBe(4);
    expect(samples[0]!.metric).toEqual({
      __name__: "up",
      cluster: "a",
      exported_cluster: "x", // as Prometheus' resolveConflictingExposedLabels does
      exported_exported_cluster: "inner",
    });
    expect(Object.hasOwn(samples[2]!.metric, "__proto__")).toBe(true);
    expect(samples[2]!.metric.cluster).toBe("a");
    expect(Object.getPrototypeOf(samples[2]!.metric)).toBe(Object.prototype);
    expect(samples[3]).toMatchObject({ metric: { cluster: "b" }, value: 5 });
    expect(m.warnings).toEqual([
      `cluster "a": partial`,
      expect.stringMatching(/^cluster "d" failed \(error\)/),
    ]);
    // per-cluster labels unchanged
    expect(r.get("a")?.value?.data).toMatchObject({ result: [{ metric: { cluster: "inner" } }, {}, {}] });
  });

  it("custom clusterLabel and series()/labelValues() merges", async () => {
    const a = await stub((req, res) => {
      if (req.url?.includes("series"))
        return jsonBody(200, { status: "success", data: [{ __name__: "up", src: "k" }] })(req, res);
      return jsonBody(200, { status: "success", data: ["b", "a", "é"] })(req, res);
    });
    const b = await stub((req, res) => {
      if (req.url?.includes("series")) return jsonBody(200, { status: "success", data: [] })(req, res);
      return jsonBody(200, { status: "success", data: ["a", "c"] })(req, res);
    });
    const fleet = collector({
      registry: [
        { id: "a", url: a.url },
        { id: "b", url: b.url },
      ],
      clusterLabel: "src",
    });
    const s = (await fleet.series("up")).merged();
    expect(s.data).toEqual([{ __name__: "up", src: "a", exported_src: "k" }]);
    const v = (await fleet.labelValues("job")).merged();
    expect(v.data).toEqual(["a", "b", "c", "é"]);
  });

  it("no ok cluster: an empty vector whose warnings name every failure", async () => {
    const d = await stub(textBody(500, "boom"));
    const fleet = collector({ registry: [{ id: "d", url: d.url }], breaker: false });
    const m = (await fleet.query("up")).merged();
    expect(m.data).toEqual({ resultType: "vector", result: [] });
    expect(m.warnings.length).toBe(1);
  });
});
