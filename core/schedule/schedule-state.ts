import { readFile } from 'node:fs/promises';

/**
 * The scheduler's persisted state: the last handled slot per plan. Missing or unreadable state is empty (no
 * slot counts as missed); entries that are not times are dropped. Never throws.
 */
export async function readHandledSlots(statePath: string): Promise<Record<string, string>> {
  try {
    const raw = JSON.parse(await readFile(statePath, 'utf8')) as unknown;
    if (raw && typeof raw === 'object' && !Array.isArray(raw)) {
      return Object.fromEntries(
        Object.entries(raw as Record<string, unknown>).filter(
          (e): e is [string, string] => typeof e[1] === 'string' && !Number.isNaN(Date.parse(e[1])),
        ),
      );
    }
  } catch {
    // missing or unreadable state: start fresh
  }
  return {};
}
