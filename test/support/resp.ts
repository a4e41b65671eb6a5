import { connect, type Socket } from "node:net";

/**
 * A minimal Redis (RESP2) client over a raw TCP socket, so the launchers and tests can PING, AUTH and
 * fill a Redis without depending on a Redis npm client (the library under test brings its own).
 * Every call is bounded: a SIGSTOPped Redis accepts connections (the kernel does) but never answers.
 */

/** A decoded reply. Error replies are not values: they reject with {@link RedisReplyError}. */
export type RespValue = string | number | null | RespValue[];

/** An error reply from Redis, e.g. `OOM command not allowed when used memory > 'maxmemory'.` */
export class RedisReplyError extends Error {
  override name = "RedisReplyError";
}

/** Encodes a command as a RESP array of bulk strings. */
function encode(args: readonly string[]): Buffer {
  const parts = [`*${args.length}\r\n`];
  for (const arg of args) parts.push(`$${Buffer.byteLength(arg)}\r\n${arg}\r\n`);
  return Buffer.from(parts.join(""));
}

type Parsed = { value: RespValue | RedisReplyError; end: number } | undefined;

/** Parses one reply starting at `at`; undefined when `buf` does not hold all of it yet. */
function parse(buf: Buffer, at: number): Parsed {
  const lineEnd = buf.indexOf("\r\n", at);
  if (lineEnd < 0) return undefined;
  const line = buf.toString("utf8", at + 1, lineEnd);
  const next = lineEnd + 2;
  switch (String.fromCharCode(buf[at] ?? 0)) {
    case "+":
      return { value: line, end: next };
    case "-":
      return { value: new RedisReplyError(line), end: next };
    case ":":
      return { value: Number(line), end: next };
    case "$": {
      const length = Number(line);
      if (length < 0) return { value: null, end: next };
      if (buf.length < next + length + 2) return undefined;
      return { value: buf.toString("utf8", next, next + length), end: next + length + 2 };
    }
    case "*": {
      const count = Number(line);
      if (count < 0) return { value: null, end: next };
      const items: RespValue[] = [];
      let end = next;
      for (let i = 0; i < count; i++) {
        const item = parse(buf, end);
        if (!item) return undefined;
        if (item.value instanceof RedisReplyError) throw item.value;
        items.push(item.value);
        end = item.end;
      }
      return { value: items, end };
    }
    default:
      throw new Error(`unexpected RESP reply type at byte ${at}: ${JSON.stringify(line.slice(0, 40))}`);
  }
}

interface Pending {
  resolve(value: RespValue): void;
  reject(error: Error): void;
}

/** One connection; replies are matched to commands in order (Redis answers in order). */
export class RespConnection {
  readonly #socket: Socket;
  readonly #pending: Pending[] = [];
  #buffer: Buffer = Buffer.alloc(0);
  #failure: Error | undefined;

  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.on("data", (chunk: Buffer) => this.#onData(chunk));
    socket.on("error", (error) => this.#fail(error));
    socket.on("close", () => this.#fail(new Error("redis connection closed")));
  }

  /** Connects to 127.0.0.1:`port` (bounded by `timeoutMs`) and sends AUTH when a password is given. */
  static async open(
    port: number,
    options: { password?: string; timeoutMs?: number } = {},
  ): Promise<RespConnection> {
    const timeoutMs = options.timeoutMs ?? 2000;
    const socket = await new Promise<Socket>((resolve, reject) => {
      const s = connect({ host: "127.0.0.1", port });
      const timer = setTimeout(() => s.destroy(new Error(`connect to redis :${port} timed out`)), timeoutMs);
      s.once("connect", () => {
        clearTimeout(timer);
        resolve(s);
      });
      s.once("error", (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
    const connection = new RespConnection(socket);
    if (options.password !== undefined) {
      try {
        await connection.send(["AUTH", options.password], timeoutMs);
      } catch (error) {
        connection.close();
        throw error;
      }
    }
    return connection;
  }

  /** Sends one command; rejects on an error reply, a closed connection, or after `timeoutMs`. */
  send(args: readonly string[], timeoutMs = 2000): Promise<RespValue> {
    if (this.#failure) return Promise.reject(this.#failure);
    return new Promise<RespValue>((resolve, reject) => {
      const timer = setTimeout(() => {
        // Replies can no longer be matched to commands: give up on the whole connection.
        this.#fail(new Error(`redis ${args[0]} got no reply within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#pending.push({
        resolve: (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      this.#socket.write(encode(args));
    });
  }

  /** Closes the socket; pending commands reject. */
  close(): void {
    this.#fail(new Error("redis connection closed by the caller"));
  }

  #onData(chunk: Buffer): void {
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    let at = 0;
    for (;;) {
      let parsed: Parsed;
      try {
        parsed = parse(this.#buffer, at);
      } catch (error) {
        this.#fail(error instanceof Error ? error : new Error(String(error)));
        return;
      }
      if (!parsed) break;
      at = parsed.end;
      const waiter = this.#pending.shift();
      if (parsed.value instanceof RedisReplyError) waiter?.reject(parsed.value);
      else waiter?.resolve(parsed.value);
    }
    this.#buffer = this.#buffer.subarray(at);
  }

  #fail(error: Error): void {
    this.#failure ??= error;
    this.#socket.destroy();
    for (const waiter of this.#pending.splice(0)) waiter.reject(error);
  }
}

/** Opens a connection, sends one command, closes: for one-off checks like PING or DBSIZE. */
export async function redisCommand(
  port: number,
  args: readonly string[],
  options: { password?: string; timeoutMs?: number } = {},
): Promise<RespValue> {
  const connection = await RespConnection.open(port, options);
  try {
    return await connection.send(args, options.timeoutMs);
  } finally {
    connection.close();
  }
}
