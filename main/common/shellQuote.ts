// The one shell quoter (STYLE.md "one name per concept"). We build a shell string only where a program
// insists on one (tmux pipe-pane, a vendor's hook command, the macOS terminal script), and then only
// from paths and argv we own, each passed through here.

/** POSIX single quotes: inside them the shell expands nothing, so this is safe for any string
 * without NUL (which no shell string, argv or path can hold). */
export function shQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
