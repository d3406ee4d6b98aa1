/**
 * Sensible default excludes: caches, trash, build output and package folders that are large, change often and
 * can be recreated. Patterns are restic --exclude globs.
 */
export function defaultExcludes(platform: 'linux' | 'darwin' | 'win32'): string[] {
  const common = [
    '**/node_modules',
    '**/.cache',
    '**/__pycache__',
    '**/.venv',
    '**/target/debug',
    '**/*.tmp',
    '**/.Trash-*',
  ];
  if (platform === 'darwin')
    return [...common, '**/Library/Caches', '**/.Trash', '**/Library/Containers/*/Data/Library/Caches'];
  if (platform === 'win32')
    return [...common, '**/AppData/Local/Temp', '**/AppData/Local/**/Cache', '**/$Recycle.Bin'];
  return [...common, '**/.local/share/Trash', '**/.thumbnails'];
}

export const SCHEDULE_PRESETS = {
  hourly: '0 * * * *',
  daily: '30 12 * * *',
  weekly: '30 12 * * 1',
} as const;
export type SchedulePreset = keyof typeof SCHEDULE_PRESETS | 'manual' | 'custom';

/** The preset a cron expression corresponds to, for showing a saved plan. */
export function presetOf(schedule: string | undefined): SchedulePreset {
  if (!schedule) return 'manual';
  const hit = (Object.entries(SCHEDULE_PRESETS) as [SchedulePreset, string][]).find(
    ([, cron]) => cron === schedule,
  );
  return hit ? hit[0] : 'custom';
}

/** Five whitespace-separated cron fields of the usual characters (the engine validates the meaning). */
export function looksLikeCron(value: string): boolean {
  const fields = value.trim().split(/\s+/);
  return fields.length === 5 && fields.every((f) => /^[\d*/,\-A-Za-z?]+$/.test(f));
}

export { DEFAULT_RETENTION } from '../../../../contract/config.js';
