import { HttpResponse, http } from "msw";
import type { SetupServer } from "msw/node";
import { BASE, mockPrometheus } from "./promMock.ts";

/**
 * Shared set-up of the endpoint decoding tests (test/unit/endpoints-decode-*.test.ts): answers
 * Prometheus 2.42 cannot give (`limit` truncation warnings, infos, exemplars, native-histogram
 * metadata, UTF-8 label names, Thanos' and VictoriaMetrics' differences) come from msw.
 */

/** A mocked Prometheus for the calling test file. */
export interface DecodeMock {
  /** The msw server, for answers `answer` cannot write (raw bodies, error envelopes). */
  server: SetupServer;
  /** Answers `path` (below /api/v1/) with a success envelope around `data`, plus extra envelope fields. */
  answer(path: string, data: unknown, extra?: Record<string, unknown>): void;
}

/** Starts msw for the calling test file (see mockPrometheus) and returns it with its `answer` helper. */
export function mockDecoding(): DecodeMock {
  const server = mockPrometheus();
  return {
    server,
    answer: (path, data, extra = {}) => {
      server.use(
        http.all(`${BASE}/api/v1/${path}`, () => HttpResponse.json({ status: "success", data, ...extra })),
      );
    },
  };
}
