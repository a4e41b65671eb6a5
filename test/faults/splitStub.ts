import type { IncomingMessage, ServerResponse } from "node:http";

/**
 * What the split range fault tests' stub servers share: reading which piece a request asks for,
 * and answering it with one series holding one point at its start.
 */

/** The `start` a query_range request asked for (form body or URL). */
export async function startOf(req: IncomingMessage): Promise<number> {
  let body = "";
  for await (const chunk of req) body += chunk;
  const params = new URLSearchParams(body || (req.url ?? "").split("?")[1]);
  return Number(params.get("start"));
}

/** A matrix of one series, `{job="a"}`, with the point `[start, "1"]`. */
export function matrix(res: ServerResponse, start: number): void {
  res.writeHead(200, { "content-type": "application/json" });
  res.end(
    JSON.stringify({
      status: "success",
      data: { resultType: "matrix", result: [{ metric: { job: "a" }, values: [[start, "1"]] }] },
    }),
  );
}
