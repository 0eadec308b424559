import type { z } from 'zod';

/** zod issues in plain words, one per line: `timeout: must be at most 600 (got 900)`. */
export function describeIssues(error: z.ZodError, input?: Record<string, unknown>): string {
  return error.issues
    .map((issue) => {
      const path = issue.path.join('.') || '(config)';
      const got = input && issue.path.length === 1 ? input[String(issue.path[0])] : undefined;
      return `${path}: ${issue.message}${got !== undefined && got !== '' ? ` (got ${JSON.stringify(got)})` : ''}`;
    })
    .join('; ');
}
