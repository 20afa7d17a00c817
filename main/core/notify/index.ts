// Public surface of the notification subsystem, for the supervisor, the CLI and the app.
export { NotificationDispatcher, DEFAULT_RETRY } from './dispatcher.js';
export type { DispatcherOptions, RetryPolicy, TestOutcome } from './dispatcher.js';
export { formatMessage, excerptOf, testChange } from './format.js';
export { DEFAULT_FACTORIES, buildNotifiers, notifierKeys } from './registry.js';
export type { ConfiguredNotifier } from './registry.js';
export { Redactor } from './secrets.js';
export type { Notifier, NotifierContext, NotifierFactory, NotifierFactories, SendResult } from './types.js';
export { changeId } from '../../common/notify.js';
export type { StateChange, NotifyMessage, NotifyEvent, NotifierType } from '../../common/notify.js';
