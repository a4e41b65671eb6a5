import { copyFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { Dispatcher } from "undici";
import { beforeAll, describe, expect, it } from "vitest";
import { DispatcherPool } from "../../src/transport/dispatcher.ts";
import { TlsMaterial } from "../../src/transport/tls.ts";
import { opensslMissing } from "../support/binaries.ts";
import { makeCertificates, type TestCertificates } from "../support/certs.ts";
import { scratchDir } from "./authFiles.ts";

const dir = scratchDir("tls-reload-warning");

describe.skipIf(opensslMissing)("a TLS file that stays broken", () => {
  let certs: TestCertificates;
  beforeAll(async () => {
    certs = await makeCertificates();
  });
  it("is reported once, not re-read and warned about every second", () => {
    const cert = join(dir, "c.crt");
    const key = join(dir, "c.key");
    copyFileSync(certs.client.certFile, cert);
    copyFileSync(certs.client.keyFile, key);
    let clock = 0;
    const warns: unknown[] = [];
    const logger = { debug() {}, info() {}, warn: (o: unknown) => warns.push(o), error() {} };
    const pool = new DispatcherPool(new TlsMaterial({ cert, key }, { now: () => clock }), {
      logger,
      endpoint: "https://prom.test/",
      create: () => ({ close: async () => {}, destroy: async () => {} }) as unknown as Dispatcher,
    });
    pool.main();
    rmSync(key);
    for (let s = 1; s <= 60; s++) {
      clock = s * 1000;
      pool.main();
    }
    expect(warns.length).toBeLessThanOrEqual(2);
  });
});
