// Re-exported from main/common so core modules keep importing `../result.js`.
export { ok, err, type Result } from '../common/result.js';
