// What the Logs tab (logs-pane.ts) draws of a cell's log lines: the level filter, the search and the row cap.
import { LogLevel, LogLine } from './api';

/** Lines drawn at most (the newest that match the filter). */
export const MAX_LOG_ROWS = 500;

export const LEVELS: LogLevel[] = [
  'TRACE',
  'DEBUG',
  'INFO',
  'WARN',
  'ERROR',
  'FATAL'
];

/** The lines at `minLevel` or above whose message or logger contains `query` (any case), the newest `max`. */
export function visibleLines(
  lines: LogLine[],
  minLevel: LogLevel | '',
  query: string,
  max = MAX_LOG_ROWS
): { shown: LogLine[]; matching: number } {
  const min = minLevel ? LEVELS.indexOf(minLevel) : -1;
  const q = query.trim().toLowerCase();
  const matching = lines.filter(
    l =>
      LEVELS.indexOf(l.level) >= min &&
      (!q ||
        l.message.toLowerCase().includes(q) ||
        l.logger.toLowerCase().includes(q))
  );
  return { shown: matching.slice(-max), matching: matching.length };
}

/** HH:MM:SS.mmm in the browser's time zone. */
export function logTime(ms: number): string {
  const d = new Date(ms);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}
