import { afterEach } from "vitest";
import type { AuthStrategy } from "../../src/auth/AuthStrategy.ts";
import { MetricsCollector } from "../../src/collector/MetricsCollector.ts";

/**
 * Makes collectors with retries off (a test's stub answers once, as it is told) and closes every one
 * after each test, so no client, timer or socket outlives the test that opened it.
 */
export function collectorPool(): (
  options: ConstructorParameters<typeof MetricsCollector>[0],
) => MetricsCollector {
  const open: MetricsCollector[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((c) => c.close()));
  });
  return (options) => {
    const fleet = new MetricsCollector({ clientOptions: { retry: false }, ...options });
    open.push(fleet);
    return fleet;
  };
}

/** A strategy sending `Bearer <token()>`, whose identity follows the token. */
export function rotatingBearer(token: () => string): AuthStrategy {
  return {
    type: "bearer",
    apply: ({ headers }) => headers.set("authorization", `Bearer ${token()}`),
    identity: () => token(),
    describe: () => "bearer(rotating)",
  };
}
