// User settings of the cell monitor (schema/cell-monitor.json).

export interface IMonitorSettings {
  /** Show monitors under cells at all. */
  enabled: boolean;
  /** Collapse a monitor to its header once all of its cell's jobs have finished. */
  autoCollapse: boolean;
  /** Shortest interval between two redraws of one monitor (0: once per animation frame). */
  refreshRateMs: number;
  /** Jobs kept per cell; the oldest finished ones go first. */
  maxJobsPerCell: number;
  /** Append a static summary output to a cell once its execution and all of its jobs are done. */
  writeSummary: boolean;
  /** Seconds without progress in a running cell before its monitor says why (waits.ts). */
  stallAfterSeconds: number;
}

export const DEFAULT_SETTINGS: IMonitorSettings = {
  enabled: true,
  autoCollapse: false,
  refreshRateMs: 0,
  maxJobsPerCell: 1000,
  writeSummary: false,
  stallAfterSeconds: 10
};

/** Reads settings from the registry's composite value, falling back to the defaults for missing or mistyped keys. */
export function readSettings(
  composite: Record<string, unknown>
): IMonitorSettings {
  const pick = <K extends keyof IMonitorSettings>(
    key: K
  ): IMonitorSettings[K] =>
    typeof composite[key] === typeof DEFAULT_SETTINGS[key]
      ? (composite[key] as IMonitorSettings[K])
      : DEFAULT_SETTINGS[key];
  return {
    enabled: pick('enabled'),
    autoCollapse: pick('autoCollapse'),
    refreshRateMs: Math.max(0, pick('refreshRateMs')),
    maxJobsPerCell: Math.max(1, pick('maxJobsPerCell')),
    writeSummary: pick('writeSummary'),
    stallAfterSeconds: Math.min(600, Math.max(1, pick('stallAfterSeconds')))
  };
}
