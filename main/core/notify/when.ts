// Moved to main/common/when.ts: the dashboard shows the same local, relative times as notifications.
export * from '../../common/when.js';
