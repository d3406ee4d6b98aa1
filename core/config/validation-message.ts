import type { z } from 'zod';

function pathText(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out || '(top level)';
}

/**
 * Turns a zod error into plain lines, one per problem, each naming the field and, for choices, the allowed
 * values: `plans[0].schedule: …`, `notifications.level: must be one of errors, warnings, all`.
 */
export function describeZodError(error: z.ZodError, prefix = ''): string[] {
  return error.issues.map((issue) => {
    const field = pathText([...(prefix ? [prefix] : []), ...issue.path]);
    if (issue.code === 'invalid_value' && 'values' in issue) {
      return `${field}: must be one of ${issue.values.map((v) => String(v)).join(', ')}`;
    }
    if (issue.code === 'unrecognized_keys' && 'keys' in issue) {
      return `${field}: unknown field(s) ${issue.keys.join(', ')}`;
    }
    return `${field}: ${issue.message}`;
  });
}
