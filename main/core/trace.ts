// Timestamps along the exit -> notification path (marker seen, workcell read, change told, intent
// claimed, sent), written to the supervisor's log only when WORKCELL_TRACE is set: the daemon bench
// (bench/daemon.ts) reads them back and prints where each exit's time went. Off, a call costs one
// boolean test.
const ON = !!process.env.WORKCELL_TRACE;

/** A wall-clock time in ms with sub-ms digits, comparable with `date +%s%N` in a shell. */
export function traceNow(): number {
  return performance.timeOrigin + performance.now();
}

/** `trace <ms> <stage> <subject>` through `log`, when tracing. */
export function trace(log: (line: string) => void, stage: string, subject: string): void {
  if (ON) log(`trace ${traceNow().toFixed(2)} ${stage} ${subject}`);
}

export const tracing = (): boolean => ON;
