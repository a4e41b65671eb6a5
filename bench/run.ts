/**
 * `npm run bench`: promfleet's decoding and transport against `fetch` + `res.json()`, the
 * transport floor and the npm package prometheus-query, on Prometheus-shaped bodies served by
 * a loopback server in its own process. Interleaved rounds; median, p90, ratio to the
 * baseline, bytes held per sample, exactness. Sections added by later work (bench/cache.ts,
 * bench/fleet.ts) run after, when present.
 *
 * Timed calls run in one worker thread per contestant, fresh for each body (bench/timing.ts).
 * The process runs with `--expose-gc` (memory held is measured between full collections) and
 * `--single-threaded-gc` (no collector thread of one contestant runs beside another's timed
 * call); it restarts itself with them when started without.
 *
 * Options: `--quick` (a third of the rounds), `--only <body name>`.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { contestants } from "./contestants.ts";
import { type BodyFigures, measureBody } from "./measure.ts";
import { canMeasure } from "./memory.ts";
import { bodyTable, machineLine, targetsTable } from "./report.ts";
import { BODIES } from "./suite.ts";

const here = (name: string) => fileURLToPath(new URL(name, import.meta.url));

/** Starts bench/server.ts and waits for the port it prints. */
function startServer(): Promise<{ base: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [here("./server.ts")], { stdio: ["pipe", "pipe", "inherit"] });
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const nl = out.indexOf("\n");
      if (nl >= 0) resolve({ base: `http://127.0.0.1:${JSON.parse(out.slice(0, nl)).port}`, child });
    });
    child.once("exit", (code) => reject(new Error(`the bench server exited early (${code})`)));
  });
}

/** Runs bench/<file> when another piece of work has added it. */
async function optionalSection(file: string, exportName: string): Promise<void> {
  const path = here(`./${file}`);
  if (!existsSync(path)) return;
  const mod = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  const section = mod[exportName];
  if (typeof section !== "function") {
    console.log(`\n(${file} has no ${exportName}() export: skipped)`);
    return;
  }
  await section();
}

async function main(): Promise<number> {
  const started = performance.now();
  const args = process.argv.slice(2);
  const scale = args.includes("--quick") ? 1 / 3 : 1;
  const only = args.includes("--only") ? args[args.indexOf("--only") + 1] : undefined;
  console.log(`# promfleet benchmark\n\n${machineLine()}\n`);
  const { base, child } = await startServer();
  const all: BodyFigures[] = [];
  let exact = true;
  try {
    const { list, close } = contestants(base);
    try {
      for (const body of BODIES) {
        if (only !== undefined && body.name !== only) continue;
        const bodyStarted = performance.now();
        const figures = await measureBody(list, base, body, scale);
        figures.seconds = (performance.now() - bodyStarted) / 1000;
        exact &&= figures.problems.length === 0;
        all.push(figures);
        console.log(`${bodyTable(figures)}\n`);
      }
    } finally {
      await close();
    }
  } finally {
    child.stdin?.end();
    child.kill();
  }
  if (all.length > 0) {
    const { table, met } = targetsTable(all);
    console.log(`## Targets (issue 7)\n\n${table}\n\n${met ? "All targets met." : "Some targets not met."}`);
  }
  if (only === undefined) {
    await optionalSection("cache.ts", "benchCache");
    await optionalSection("fleet.ts", "benchFleet");
  }
  console.log(`\nTotal ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return exact ? 0 : 1;
}

/** V8 flags the benchmark needs: see the top of this file. */
const FLAGS = ["--expose-gc", "--single-threaded-gc"];

if (!canMeasure() || !process.execArgv.includes("--single-threaded-gc")) {
  const again = spawnSync(
    process.execPath,
    [...FLAGS, ...process.execArgv, fileURLToPath(import.meta.url), ...process.argv.slice(2)],
    { stdio: "inherit" },
  );
  process.exitCode = again.status ?? 1;
} else {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
