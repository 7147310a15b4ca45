// The name of a job or SQL query row: the cell line that started it (`line 3: df.groupBy("k").count()`) when the
// kernel hook named one (wire CellLine), else Spark's; Spark's call site and description go to the tooltip.
import { CellLine } from './api';

/** `line N: <source>` when the line is known, else null. */
export function lineName(l: CellLine): string | null {
  if (!l.cellLine) {
    return null;
  }
  return l.cellLineText
    ? `line ${l.cellLine}: ${l.cellLineText}`
    : `line ${l.cellLine}`;
}

/**
 * A row's name and tooltip when the line is known: the line, and in the tooltip Spark's own texts (`spark`: the call
 * site, the description, the query text; empty and repeated ones left out). Null when the line is not known.
 */
export function lineLabel(
  l: CellLine,
  spark: (string | null | undefined)[]
): { name: string; title: string } | null {
  const line = lineName(l);
  if (line === null) {
    return null;
  }
  const texts = spark.filter((s): s is string => !!s);
  const unique = texts.filter((s, i) => texts.indexOf(s) === i);
  return {
    name: line,
    title: [line, ...unique.map(s => `Spark: ${s}`)].join('\n')
  };
}
