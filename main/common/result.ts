// The one Result type (STYLE.md "one name per concept"): the engine, the bridge, IPC and the app all
// return expected failures as this value, so a result passes from one layer to the next unchanged.
import type { ErrorCode, SvErrorInfo } from './workcell.js';

/** Expected failures are values (STYLE.md): tmux missing, bad name, session gone. Only bugs throw. */
export type Result<T, E = SvErrorInfo> = { ok: true; value: T } | { ok: false; error: E };

export const ok = <T, E = SvErrorInfo>(value: T): Result<T, E> => ({ ok: true, value });
export const err = (code: ErrorCode, message: string): { ok: false; error: SvErrorInfo } => ({
  ok: false,
  error: { code, message },
});
