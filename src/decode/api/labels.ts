import * as v from "valibot";
import type { Labels } from "../types.ts";
import { LabelsSchema, list, schemaDecoder } from "./common.ts";

/** Decodes `/api/v1/series`: one label set per series (label names of any UTF-8 kept as sent). */
export const decodeSeries = schemaDecoder<Labels[]>(list(LabelsSchema));

/** Decodes `/api/v1/labels` and `/api/v1/label/<name>/values`: a list of strings. */
export const decodeStringList = schemaDecoder<string[]>(list(v.string()));

/** Decodes `/api/v1/format_query`: the formatted expression. */
export const decodeString = schemaDecoder<string>(v.string());
