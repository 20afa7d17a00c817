import type { ErrorCode, SvErrorInfo } from '../common/workcell.js';

/** Expected failures are values (STYLE.md): tmux missing, bad name, session gone. Only bugs throw. */
export type Result<T> = { ok: true; value: T } | { ok: false; error: SvErrorInfo };

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
export const err = (code: ErrorCode, message: string): { ok: false; error: SvErrorInfo } => ({
  ok: false,
  error: { code, message },
});
