// gemini-cli (0.61, measured) ignores a settings file with hooks when any folder above it is writable
// by group or others ("Parent directory '/tmp' is insecure"), sticky /tmp included, and says so only
// in its own debug output: the workcell then runs with no hook events at all. doctor names the folder.
import { statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** The nearest folder at or above `path` that group or others may write to, or null. */
export function insecureParent(path: string): string | null {
  for (let p = resolve(path); ; p = dirname(p)) {
    try {
      if ((statSync(p).mode & 0o022) !== 0) return p;
    } catch {
      // not there yet (a home doctor creates): its parents decide
    }
    if (dirname(p) === p) return null;
  }
}
