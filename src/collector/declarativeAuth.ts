import * as v from "valibot";
import type { AuthStrategy } from "../auth/AuthStrategy.ts";
import { type AuthConfig, authFromConfig } from "../auth/config.ts";
import { InvalidArgumentError } from "../errors/InvalidArgumentError.ts";

const AUTH_TYPES = ["bearer", "basic", "header", "none"] as const;

const TypeSchema = v.object({ type: v.picklist(AUTH_TYPES) });

/**
 * A cluster's `auth` as a strategy: a strategy passes through, the declarative form
 * (`{ type: "bearer" | "basic" | "header" | "none", ... }`) is built by `authFromConfig`, and
 * nothing means no auth. An unknown `type` gets its own message, naming `auth.type` and the
 * types there are, without quoting what was given.
 */
export function clusterAuth(config: AuthConfig | AuthStrategy | undefined | unknown): AuthStrategy {
  if (config === undefined) return authFromConfig({ type: "none" });
  const candidate = config as Partial<AuthStrategy> | null;
  const isStrategy =
    typeof candidate === "object" &&
    candidate !== null &&
    typeof candidate.apply === "function" &&
    typeof candidate.identity === "function" &&
    typeof candidate.describe === "function";
  if (!isStrategy && !v.is(TypeSchema, config)) {
    throw new InvalidArgumentError(
      "auth.type",
      `auth.type must be one of ${AUTH_TYPES.map((t) => `"${t}"`).join(", ")} (or auth must be an AuthStrategy)`,
    );
  }
  return authFromConfig(config as AuthConfig | AuthStrategy, "auth");
}
