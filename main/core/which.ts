import { promises as fs, constants } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';

/** Finds an executable the way execvp will: a path with a slash is taken as is, else each PATH entry. */
export async function which(
  bin: string,
  cwd: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string | null> {
  const candidates = bin.includes('/')
    ? [isAbsolute(bin) ? bin : resolve(cwd, bin)]
    : (env.PATH ?? '')
        .split(delimiter)
        .filter(Boolean)
        .map((d) => join(d, bin));
  for (const c of candidates) {
    try {
      const st = await fs.stat(c);
      if (!st.isFile()) continue;
      await fs.access(c, constants.X_OK);
      return c;
    } catch {
      // not there or not executable: try the next PATH entry
    }
  }
  return null;
}
