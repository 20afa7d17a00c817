// The same message in each channel's own form: Slack's mrkdwn with a real link, Telegram's plain text
// with the link on its own line (Telegram makes it clickable), the webhook's JSON with a `url` field.
// Pure, so golden files pin each channel's text down (format.golden.test.ts).
import type { NotifyMessage } from '../../common/notify.js';

export const CHANNEL = {
  // Telegram refuses messages over 4096 characters; keep room for the link line.
  telegramTextChars: 3_900,
} as const;

/** Slack reads `&`, `<` and `>` as markup: agent output must be escaped or it vanishes or links. */
const slackEscape = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function slackText(msg: NotifyMessage): string {
  const link = msg.url ? `\n<${msg.url}|Open ${slackEscape(msg.name)} in the dashboard>` : '';
  return `*${slackEscape(msg.title)}*\n${slackEscape(msg.body)}${link}`;
}

export function telegramText(msg: NotifyMessage): string {
  const text =
    msg.text.length > CHANNEL.telegramTextChars
      ? `${msg.text.slice(0, CHANNEL.telegramTextChars)}…`
      : msg.text;
  return msg.url ? `${text}\nDashboard: ${msg.url}` : text;
}
