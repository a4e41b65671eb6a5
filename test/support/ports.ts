import { rmSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { registerExitCleanup } from "./cleanup.ts";

/**
 * Ports handed out recently by this process. The kernel may give the same ephemeral port to two
 * back-to-back `listen(0)` calls once the first is closed, and our callers only bind it later.
 */
const recent: number[] = [];

/** Picks a free TCP port on 127.0.0.1 by binding port 0 and closing again (bounded: 5 s). */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = createServer();
      const timer = setTimeout(() => {
        server.close();
        reject(new Error("freePort: listen on 127.0.0.1:0 did not complete within 5 s"));
      }, 5000);
      server.once("error", (error) => {
        clearTimeout(timer);
        reject(error);
      });
      server.listen(0, "127.0.0.1", () => {
        const address = server.address();
        clearTimeout(timer);
        server.close(() => {
          if (address !== null && typeof address === "object") resolve(address.port);
          else reject(new Error("freePort: server.address() returned no port"));
        });
      });
    });
    if (!recent.includes(port)) {
      recent.push(port);
      if (recent.length > 64) recent.shift();
      return port;
    }
  }
  throw new Error("freePort: the kernel kept returning recently used ports");
}

/** A temporary directory and how to remove it. */
export interface TempDir {
  /** Absolute path of the directory. */
  path: string;
  /** Removes the directory and everything in it (idempotent). */
  remove(): Promise<void>;
}

/**
 * Creates a directory under os.tmpdir() named `promfleet-<prefix>-XXXXXX`. It is removed by `remove()`,
 * or at process exit (also SIGTERM/SIGINT) when a test forgot to, so runs do not litter /tmp.
 */
export async function tempDir(prefix: string): Promise<TempDir> {
  const path = await mkdtemp(join(tmpdir(), `promfleet-${prefix}-`));
  const unregister = registerExitCleanup(() => rmSync(path, { recursive: true, force: true }));
  return {
    path,
    async remove() {
      unregister();
      await rm(path, { recursive: true, force: true, maxRetries: 3 });
    },
  };
}
