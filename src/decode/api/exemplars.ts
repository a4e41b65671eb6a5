import * as v from "valibot";
import type { Labels } from "../types.ts";
import {
  LabelsSchema,
  list,
  NumberSchema,
  OptionalLabelsSchema,
  schemaDecoder,
  withWireValue,
} from "./common.ts";

/** One exemplar: a sample with labels pointing elsewhere (usually a trace id). */
export interface Exemplar {
  /** Its labels, e.g. `{ trace_id: "..." }`. */
  labels: Labels;
  /** The value, decoded from Prometheus' string. */
  value: number;
  /** Unix seconds, fractional. */
  timestamp: number;
}

/** The exemplars of one series (`/api/v1/query_exemplars`). */
export interface ExemplarSeries {
  /** The series' labels. */
  seriesLabels: Labels;
  /** Its exemplars in the range, oldest first. */
  exemplars: Exemplar[];
}

const ExemplarSchema: v.GenericSchema<unknown, Exemplar> = v.pipe(
  v.looseObject({
    labels: OptionalLabelsSchema,
    value: NumberSchema,
    timestamp: NumberSchema,
  }),
  v.transform(withWireValue),
);

const ExemplarSeriesSchema: v.GenericSchema<unknown, ExemplarSeries> = v.looseObject({
  seriesLabels: LabelsSchema,
  exemplars: list(ExemplarSchema),
});

/** Decodes `/api/v1/query_exemplars`. */
export const decodeExemplars = schemaDecoder<ExemplarSeries[]>(list(ExemplarSeriesSchema));
