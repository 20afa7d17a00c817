// Public surface of the detectors for the supervisor.
export {
  detect,
  hookState,
  DEFAULT_STALL_MS,
  type DetectInput,
  type Detection,
  type DetectedState,
} from './detect.js';
export { parseResetAt, type ResetAtOptions } from './resetAt.js';
export { progressKey, bottomLines } from './screen.js';
