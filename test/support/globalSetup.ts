import type { TestProject } from "vitest/node";
import { prometheusMissing } from "./binaries.ts";
import { FIXTURE_RULES } from "./fixtures.ts";
import { startPrometheus } from "./prometheus.ts";

declare module "vitest" {
  export interface ProvidedContext {
    /**
     * Base URL of the shared Prometheus of the integration project (fixtures backfilled, FIXTURE_RULES
     * loaded, scraping itself), or undefined when `prometheus` is not installed outside CI.
     */
    prometheusUrl: string | undefined;
  }
}

/**
 * vitest globalSetup of the integration project: ONE Prometheus shared by every integration test file,
 * because its start costs ~6 s (the first self-scrape waits for 2.42's 5-second target tickers). Tests
 * must treat it as read-only; tests that stop, restart or reconfigure a server start their own.
 * In CI a missing binary already threw when binaries.ts was imported.
 */
export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  if (prometheusMissing !== undefined) {
    console.warn(`integration tests that need the shared Prometheus will skip: ${prometheusMissing}`);
    project.provide("prometheusUrl", undefined);
    return undefined;
  }
  const server = await startPrometheus({ rules: FIXTURE_RULES });
  project.provide("prometheusUrl", server.url);
  return async () => {
    await server.stop();
  };
}
