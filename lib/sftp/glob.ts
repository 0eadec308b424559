/**
 * File-name globs as shells and Camel's antInclude know them: `*` and `?`
 * (never across "/" and never matching a leading dot), `**` (any folders),
 * `[abc]` / `[!abc]`, `{csv,txt}`. Compiled once into a regular expression.
 */
function escape(c: string): string {
  return /[.+^${}()|[\]\\]/.test(c) ? `\\${c}` : c;
}

export function globToRegExp(glob: string): RegExp {
  let re = '';
  let i = 0;
  let inBraces = 0;
  const atSegmentStart = (k: number) => k === 0 || glob[k - 1] === '/';
  while (i < glob.length) {
    const c = glob[i] as string;
    if (c === '*') {
      if (glob[i + 1] === '*') {
        // "**/" = any folders (none included); a lone "**" = anything
        const slash = glob[i + 2] === '/';
        re += slash ? '(?:[^/.][^/]*/)*' : '.*';
        i += slash ? 3 : 2;
        continue;
      }
      re += atSegmentStart(i) ? '(?:[^/.][^/]*)?' : '[^/]*';
    } else if (c === '?') {
      re += atSegmentStart(i) ? '[^/.]' : '[^/]';
    } else if (c === '[') {
      const end = glob.indexOf(']', i + 2);
      if (end < 0) re += '\\[';
      else {
        let body = glob.slice(i + 1, end);
        const negate = body.startsWith('!') || body.startsWith('^');
        if (negate) body = body.slice(1);
        re += `[${negate ? '^/' : ''}${body.replace(/\\/g, '\\\\').replace(/\]/g, '\\]')}]`;
        i = end + 1;
        continue;
      }
    } else if (c === '{') {
      inBraces++;
      re += '(?:';
    } else if (c === '}' && inBraces > 0) {
      inBraces--;
      re += ')';
    } else if (c === ',' && inBraces > 0) {
      re += '|';
    } else re += escape(c);
    i++;
  }
  return new RegExp(`^${re}$`);
}

export function globMatcher(glob: string): (text: string) => boolean {
  const re = globToRegExp(glob);
  return (text) => re.test(text);
}
