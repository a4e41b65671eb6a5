import { mkdirSync, renameSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { FileClusterRegistry, InvalidArgumentError } from "../../src/index.ts";
import { jsonBody } from "../support/stubServer.ts";
import { scratchDir } from "./authFiles.ts";
import { collectorPool } from "./collectorHelpers.ts";
import { stubPool, vectorBody } from "./collectorStubs.ts";

const dir = scratchDir("file-registry");
const stub = stubPool();
const collector = collectorPool();
const TOKEN = "file-registry-token-RECOGNISABLE";
let files = 0;

/** Writes `content` (JSON-encoded unless a string) to a new file and returns its path. */
function clusterFile(content: unknown): string {
  const path = join(dir, `clusters-${files++}.json`);
  writeFileSync(path, typeof content === "string" ? content : JSON.stringify(content));
  return path;
}

/** A file rewritten in place through a temporary file and a rename, as editors and GitOps tools do. */
function rewrite(path: string, content: unknown): void {
  writeFileSync(`${path}.tmp`, JSON.stringify(content));
  renameSync(`${path}.tmp`, path);
}

function refusal(make: () => unknown): InvalidArgumentError {
  try {
    make();
  } catch (error) {
    return error as InvalidArgumentError;
  }
  throw new Error("accepted");
}

/** A logger that keeps its warn and info lines. */
function lines() {
  const seen: Array<{ level: string; msg: string; obj: Record<string, unknown> }> = [];
  const at = (level: string) => (obj: Record<string, unknown>, msg?: string) => {
    seen.push({ level, msg: msg ?? "", obj });
  };
  return { seen, logger: { debug() {}, info: at("info"), warn: at("warn"), error: at("error") } };
}

describe("FileClusterRegistry", () => {
  it("reads an array or { clusters }, and describes itself without a secret", () => {
    const cluster = { id: "east", url: "http://east.example", auth: { type: "bearer", token: TOKEN } };
    const plain = new FileClusterRegistry(clusterFile([cluster]));
    const wrapped = new FileClusterRegistry(
      clusterFile({ clusters: [cluster, { id: "lab", url: "http://lab" }] }),
    );
    expect(plain.list().map((c) => c.id)).toEqual(["east"]);
    expect(wrapped.list().map((c) => c.id)).toEqual(["east", "lab"]);
    expect(wrapped.get("lab")?.url).toBe("http://lab/");
    expect(JSON.stringify(wrapped)).not.toContain(TOKEN);
    expect(inspect(wrapped, { depth: 10 })).not.toContain(TOKEN);
    expect(wrapped.toJSON()).toMatchObject({ file: wrapped.path });
  });

  it("refuses a bad file naming the file and what is wrong, never quoting it", () => {
    const missing = refusal(() => new FileClusterRegistry(join(dir, "nope.json")));
    expect(missing.message).toMatch(/nope\.json: cannot read the cluster file \(ENOENT\)$/);
    const broken = refusal(() => new FileClusterRegistry(clusterFile(`[{"id": "a", "token": "${TOKEN}" `)));
    expect(broken.message).toMatch(/is not valid JSON$/);
    expect(broken.message).not.toContain(TOKEN);
    const shape = refusal(() => new FileClusterRegistry(clusterFile({ east: {} })));
    expect(shape.message).toMatch(/must hold an array of clusters, or \{ "clusters": \[\.\.\.\] \}$/);
    const field = refusal(
      () => new FileClusterRegistry(clusterFile([{ id: "east", auth: { type: "bearer", token: TOKEN } }])),
    );
    expect(field).toBeInstanceOf(InvalidArgumentError);
    expect(field.message).toMatch(/clusters-\d+\.json: cluster "east": url is missing$/);
    expect(field.argument).toBe("url");
    expect(field.cluster).toBe("east");
    expect(refusal(() => new FileClusterRegistry("")).argument).toBe("path");
    expect(refusal(() => new FileClusterRegistry(clusterFile([]), { checkIntervalMs: -1 })).argument).toBe(
      "checkIntervalMs",
    );
  });

  it("reloads a changed file; a broken one leaves the last good clusters, warned about once", () => {
    const { seen, logger } = lines();
    const path = clusterFile([{ id: "a", url: "http://a" }]);
    const registry = new FileClusterRegistry(path, { checkIntervalMs: 0, logger });
    rewrite(path, [
      { id: "a", url: "http://a" },
      { id: "b", url: "http://b" },
    ]);
    expect(registry.list().map((c) => c.id)).toEqual(["a", "b"]);
    expect(seen).toEqual([{ level: "info", msg: "cluster file reloaded", obj: { file: path, clusters: 2 } }]);
    writeFileSync(path, '[{"id": "a", "url": ');
    expect(registry.list().map((c) => c.id)).toEqual(["a", "b"]);
    expect(registry.get("b")?.id).toBe("b");
    expect(seen.filter((l) => l.level === "warn")).toHaveLength(1);
    // The same broken version is not warned about again (nor read again) until the file changes.
    registry.list();
    expect(seen.filter((l) => l.level === "warn")).toHaveLength(1);
    expect(seen.at(-1)?.msg).toBe(
      "the cluster file could not be reloaded: the last good clusters stay in force",
    );
    rewrite(path, [{ id: "c", url: "http://c" }]);
    expect(registry.list().map((c) => c.id)).toEqual(["c"]);
    expect(registry.size).toBe(1);
  });

  it("looks at the file at most once per interval", () => {
    const path = clusterFile([{ id: "a", url: "http://a" }]);
    const registry = new FileClusterRegistry(path, { checkIntervalMs: 60_000 });
    rewrite(path, [{ id: "b", url: "http://b" }]);
    expect(registry.list().map((c) => c.id)).toEqual(["a"]);
  });

  it("follows a ConfigMap-style symlink swap", () => {
    const mount = join(dir, `mount-${files++}`);
    mkdirSync(join(mount, "v1"), { recursive: true });
    mkdirSync(join(mount, "v2"));
    writeFileSync(join(mount, "v1", "clusters.json"), JSON.stringify([{ id: "a", url: "http://a" }]));
    writeFileSync(join(mount, "v2", "clusters.json"), JSON.stringify([{ id: "b", url: "http://b" }]));
    symlinkSync("v1", join(mount, "..data"));
    symlinkSync(join("..data", "clusters.json"), join(mount, "clusters.json"));
    const registry = new FileClusterRegistry(join(mount, "clusters.json"), { checkIntervalMs: 0 });
    expect(registry.list().map((c) => c.id)).toEqual(["a"]);
    // The kubelet's update: a new ..data symlink renamed over the old one.
    symlinkSync("v2", join(mount, "..data_tmp"));
    renameSync(join(mount, "..data_tmp"), join(mount, "..data"));
    expect(registry.list().map((c) => c.id)).toEqual(["b"]);
  });

  it("a collector over it picks up added and removed clusters without a restart", async () => {
    const a = await stub(jsonBody(200, vectorBody({}, 1)));
    const b = await stub(jsonBody(200, vectorBody({}, 2)));
    const path = clusterFile([{ id: "a", url: a.url }]);
    const fleet = collector({ registry: new FileClusterRegistry(path, { checkIntervalMs: 0 }) });
    expect([...(await fleet.query("up"))].map((c) => c.cluster)).toEqual(["a"]);
    rewrite(path, [{ id: "b", url: b.url }]);
    const r = await fleet.query("up");
    expect([...r].map((c) => [c.cluster, c.status])).toEqual([["b", "ok"]]);
    expect(fleet.toJSON()).toMatchObject({ clients: 1 });
  });
});
