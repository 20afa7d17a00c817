// The detail pane's extra bridge routes (issue 10): the log tail with the live screen, and the diff since
// the start. Pure types and route builders, shared by main/core/bridge/detailRoutes.ts and the renderer.

export const DETAIL_ROUTES = {
  /** GET: LogTail */
  log: (name: string) => `/api/workcells/${encodeURIComponent(name)}/log`,
  /** GET: WorkcellDiff */
  diff: (name: string) => `/api/workcells/${encodeURIComponent(name)}/diff`,
} as const;

export interface LogTail {
  /** The end of agent.log, escape sequences removed, carriage-return overwrites resolved. */
  text: string;
  /** agent.log is longer than what was read: the text starts at a line boundary inside it. */
  truncated: boolean;
  /** The pane as it looks now (or last looked, for a dead pane), or null when there is no pane. */
  screen: string | null;
}

export interface DiffHunk {
  /** The `@@ -a,b +c,d @@ ...` line. */
  header: string;
  lines: string[];
}

export interface DiffFile {
  path: string;
  oldPath: string | null;
  /** untracked: a new file not yet added to git (listed, no hunks; `git diff` does not show it). */
  status: 'added' | 'deleted' | 'modified' | 'renamed' | 'binary' | 'untracked';
  added: number;
  removed: number;
  hunks: DiffHunk[];
}

export interface WorkcellDiff {
  /** The commit the workcell started from. */
  base: string;
  /** What it is compared with: a commit, or 'working tree'. */
  target: string;
  files: DiffFile[];
  /** The diff was longer than the bridge sends; the files listed are complete up to the cut. */
  truncated: boolean;
}

/** Parses `git diff --no-color` output into files and hunks. Pure, so it is table-tested. */
export function parseUnifiedDiff(text: string): DiffFile[] {
  const files: DiffFile[] = [];
  let file: DiffFile | null = null;
  let hunk: DiffHunk | null = null;
  for (const line of text.split('\n')) {
    const head = /^diff --git a\/(.*) b\/(.*)$/.exec(line);
    if (head) {
      file = { path: head[2]!, oldPath: null, status: 'modified', added: 0, removed: 0, hunks: [] };
      hunk = null;
      files.push(file);
      continue;
    }
    if (!file) continue;
    if (hunk === null) {
      if (line.startsWith('new file mode')) file.status = 'added';
      else if (line.startsWith('deleted file mode')) file.status = 'deleted';
      else if (line.startsWith('rename from ')) {
        file.status = 'renamed';
        file.oldPath = line.slice('rename from '.length);
      } else if (line.startsWith('Binary files ')) file.status = 'binary';
    }
    if (line.startsWith('@@')) {
      hunk = { header: line, lines: [] };
      file.hunks.push(hunk);
      continue;
    }
    if (!hunk) continue;
    if (line.startsWith('+')) file.added++;
    else if (line.startsWith('-')) file.removed++;
    else if (!line.startsWith(' ') && !line.startsWith('\\')) continue;
    hunk.lines.push(line);
  }
  return files;
}
