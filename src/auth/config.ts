import * as v from "valibot";
import { InvalidArgumentError } from "../errors/InvalidArgumentError.ts";
import { type AuthStrategy, noAuth } from "./AuthStrategy.ts";
import { type BasicAuthOptions, basicAuth } from "./basicAuth.ts";
import { type BearerAuthOptions, bearerAuth } from "./bearerAuth.ts";
import { type HeaderAuthOptions, headerAuth } from "./headerAuth.ts";

/**
 * Auth as data, for cluster registries read from JSON or YAML: `type` picks the strategy, the
 * other fields are its options. Secrets may be given inline or, better, as files.
 *
 * @example
 * ```ts
 * authFromConfig({ type: "bearer", tokenFile: "/var/run/secrets/kubernetes.io/serviceaccount/token" });
 * authFromConfig({ type: "basic", username: "admin", passwordFile: "/etc/secrets/password" });
 * ```
 */
export type AuthConfig =
  | {
      /** No credentials: {@link noAuth}. */
      type: "none";
    }
  | {
      /** A bearer token: {@link bearerAuth}. */
      type: "bearer";
      /** The token itself. */
      token: string;
    }
  | {
      /** A bearer token: {@link bearerAuth}. */
      type: "bearer";
      /** A file holding the token, re-read when it changes (rotated service-account tokens). */
      tokenFile: string;
    }
  | {
      /** HTTP basic auth: {@link basicAuth}. */
      type: "basic";
      /** The user name. */
      username: string;
      /** The password itself. */
      password: string;
    }
  | {
      /** HTTP basic auth: {@link basicAuth}. */
      type: "basic";
      /** The user name. */
      username: string;
      /** A file holding the password, re-read when it changes. */
      passwordFile: string;
    }
  | {
      /** A custom header: {@link headerAuth}. */
      type: "header";
      /** The header's name. */
      name: string;
      /** The header's value itself. */
      value: string;
    }
  | {
      /** A custom header: {@link headerAuth}. */
      type: "header";
      /** The header's name. */
      name: string;
      /** A file holding the header's value, re-read when it changes. */
      valueFile: string;
    };

const text = v.string();

const AuthConfigSchema = v.variant("type", [
  v.strictObject({ type: v.literal("none") }),
  v.strictObject({ type: v.literal("bearer"), token: v.optional(text), tokenFile: v.optional(text) }),
  v.strictObject({
    type: v.literal("basic"),
    username: text,
    password: v.optional(text),
    passwordFile: v.optional(text),
  }),
  v.strictObject({
    type: v.literal("header"),
    name: text,
    value: v.optional(text),
    valueFile: v.optional(text),
  }),
]);

/** Whether `value` already is a strategy (anything with apply, identity and describe). */
function isStrategy(value: unknown): value is AuthStrategy {
  const s = value as Partial<AuthStrategy> | null;
  return (
    typeof s === "object" &&
    s !== null &&
    typeof s.apply === "function" &&
    typeof s.identity === "function" &&
    typeof s.describe === "function"
  );
}

/**
 * Names the first problem by its field; never quotes a value (valibot's `received` and message
 * would, and the value may be a token).
 */
function invalid(issues: readonly v.BaseIssue<unknown>[], argument: string): never {
  const issue = issues[0]!;
  const keys = issue.path?.map((p) => String(p.key)) ?? [];
  const field = [argument, ...keys].join(".");
  if (issue.type === "strict_object" && issue.expected === "never") {
    throw new InvalidArgumentError(field, `${field} is not an option of this auth type`);
  }
  throw new InvalidArgumentError(field, `${field} must be ${issue.expected ?? "valid"}`);
}

/** Re-throws a strategy's own argument error with the field's full name (`clusters.east.auth.token`). */
function named<T>(argument: string, build: () => T): T {
  try {
    return build();
  } catch (error) {
    if (!(error instanceof InvalidArgumentError)) throw error;
    // "bearerAuth needs exactly one of ..." is about the whole config, not one field.
    const field = error.argument.endsWith("Auth") ? argument : `${argument}.${error.argument}`;
    throw new InvalidArgumentError(field, `${argument}: ${error.message}`);
  }
}

/**
 * Turns a declarative auth config into a strategy; a strategy passes through unchanged, so a
 * registry can accept either. Validated with valibot: errors are InvalidArgumentErrors whose
 * `argument` names the field (`auth.tokenFile`), never quoting a value.
 *
 * @param config `{ type: "bearer" | "basic" | "header" | "none", ... }` or an AuthStrategy.
 * @param argument The name used in errors (default `"auth"`), e.g. `"clusters.east.auth"`.
 */
export function authFromConfig(config: AuthConfig | AuthStrategy, argument = "auth"): AuthStrategy {
  if (isStrategy(config)) return config;
  const parsed = v.safeParse(AuthConfigSchema, config);
  if (!parsed.success) invalid(parsed.issues, argument);
  const c = parsed.output;
  switch (c.type) {
    case "none":
      return noAuth();
    case "bearer":
      // The schema lets both or neither of a pair through: the strategy refuses that itself.
      return named(argument, () => bearerAuth(c as unknown as BearerAuthOptions));
    case "basic":
      return named(argument, () => basicAuth(c as unknown as BasicAuthOptions));
    case "header":
      return named(argument, () => headerAuth(c as unknown as HeaderAuthOptions));
  }
}
