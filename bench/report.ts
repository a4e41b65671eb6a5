/** Renders the benchmark's figures as markdown tables (readable in a terminal, pasteable into RESULTS.md). */
import os from "node:os";
import { BASELINE, PROMFLEET } from "./contestants.ts";
import type { BodyFigures } from "./measure.ts";
import { ms, row } from "./stats.ts";

/** Machine, Node and load: what a reader needs to judge the figures. */
export function machineLine(): string {
  const cpu = os.cpus()[0]?.model ?? "unknown CPU";
  const load = os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");
  return `${cpu}, ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.platform()} ${os.release()}; Node ${process.version}; load average ${load}`;
}

function interval([low, high]: [number, number]): string {
  return `${low.toFixed(2)}–${high.toFixed(2)}`;
}

/** The table of one body. */
export function bodyTable(f: BodyFigures): string {
  const mb = (f.bytes / 1e6).toFixed(f.bytes < 1e6 ? 3 : 1);
  const lines = [
    `### ${f.body.label}: ${f.samples.toLocaleString("en")} samples, ${mb} MB, ${f.rounds} rounds${f.seconds === undefined ? "" : ` (${f.seconds.toFixed(0)} s)`}`,
    "",
    row(["client", "median ms", "p90 ms", "× baseline", "95 % interval", "bytes held / sample", "exactness"]),
    row(["---", "---:", "---:", "---:", "---:", "---:", "---"]),
    ...f.contestants.map((c) =>
      row([
        c.name,
        ms(c.medianMs),
        ms(c.p90Ms),
        c.ratio.toFixed(2),
        c.name === BASELINE ? "–" : interval(c.ratioInterval),
        c.bytesPerSample.toFixed(1),
        c.exactness,
      ]),
    ),
  ];
  const d = f.decoding;
  lines.push(
    "",
    `Decoding alone (same bytes, no network), median: \`JSON.parse\` ${ms(d.jsonParse)} ms, promfleet's reference path ${ms(d.reference)} ms (${(d.reference / d.jsonParse).toFixed(2)}×), promfleet's decoder ${ms(d.promfleet)} ms (${(d.promfleet / d.jsonParse).toFixed(2)}×).`,
  );
  if (f.problems.length > 0) lines.push("", ...f.problems.map((p) => `- promfleet: ${p}`));
  return lines.join("\n");
}

/** Whether promfleet met a body's targets, and the table summarising them. */
export function targetsTable(all: BodyFigures[]): { table: string; met: boolean } {
  let met = true;
  const lines = [
    row(["body", "target", "promfleet (95 % interval)", "met"]),
    row(["---", "---", "---", "---"]),
  ];
  for (const f of all) {
    const p = f.contestants.find((c) => c.name === PROMFLEET)!;
    const { ratio, bytesPerSample } = f.body.target;
    const okRatio = p.ratio <= ratio;
    const okBytes = bytesPerSample === undefined || p.bytesPerSample <= bytesPerSample;
    const okExact = f.problems.length === 0;
    met &&= okRatio && okBytes && okExact;
    const target = `≤ ${ratio}×${bytesPerSample === undefined ? "" : `, ≤ ${bytesPerSample} B/sample`}, exact`;
    const got = `${p.ratio.toFixed(2)}× (${interval(p.ratioInterval)})${bytesPerSample === undefined ? "" : `, ${p.bytesPerSample.toFixed(1)} B/sample`}, ${okExact ? "exact" : "NOT exact"}`;
    // Whether this run could have come out the other way: the target inside the ratio's interval.
    const [low, high] = p.ratioInterval;
    const close = low <= ratio && ratio <= high ? " (the target is inside the 95 % interval)" : "";
    lines.push(
      row([f.body.label, target, got, `${okRatio && okBytes && okExact ? "yes" : "**no**"}${close}`]),
    );
  }
  return { table: lines.join("\n"), met };
}
