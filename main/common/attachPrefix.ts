// The workcells' tmux prefix key as settings.json holds it ("attachPrefix"): the one pattern the core's
// schema (main/core/settings.ts), the generated tmux.conf (main/core/attachKeys.ts) and the settings
// page (main/common/settingsModel.ts) all check. Only a plain key name: it goes into tmux.conf.

export const DEFAULT_ATTACH_PREFIX = 'C-b';

/** C-x, M-x or C-M-x for one letter, digit or `]`, `[`, `\`: what tmux reads as a prefix key. */
export const ATTACH_PREFIX_PATTERN = /^(C-|M-|C-M-)[a-z0-9\][\\]$/;
