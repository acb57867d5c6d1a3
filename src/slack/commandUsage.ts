// What /ivs help and usage errors show: the browse views' lines come from their descriptors
// (browseViews/), the alert commands' are here. Views get these as data (renderHelp's argument).
import { BROWSE_VIEWS, type BrowseViewName, perBrowseView } from './browseViews/registry.ts';

type AlertCommandName = 'watch' | 'unwatch' | 'watches' | 'mutes';
type PictureCommandName = 'timeline';

/** The /ivs subcommands other than help. */
export type SubcommandName = BrowseViewName | PictureCommandName | AlertCommandName;

const PICTURE_USAGE: Record<PictureCommandName, string> = {
  timeline: '/ivs timeline <stage> <session-id>',
};

const PICTURE_EXAMPLES: Record<PictureCommandName, string> = {
  timeline: '/ivs timeline AbCdEf123456 st-AbCdEf1234567',
};

const ALERT_USAGE: Record<AlertCommandName, string> = {
  watch:
    '/ivs watch <stage> [#channel] [codes=QUOTA_EXCEEDED,PUBLISHER_NOT_FOUND,…] [mention=@user|@group|here]',
  unwatch: '/ivs unwatch <stage> [#channel]',
  watches: '/ivs watches',
  mutes: '/ivs mutes',
};

const ALERT_EXAMPLES: Record<AlertCommandName, string> = {
  watch:
    '/ivs watch AbCdEf123456 #live-alerts codes=QUOTA_EXCEEDED,PUBLISHER_NOT_FOUND mention=@video-oncall',
  unwatch: '/ivs unwatch AbCdEf123456 #live-alerts',
  watches: '/ivs watches',
  mutes: '/ivs mutes',
};

export const USAGE: Record<SubcommandName, string> = {
  ...perBrowseView((view) => view.command.usage),
  ...PICTURE_USAGE,
  ...ALERT_USAGE,
};

export const EXAMPLES: Record<SubcommandName, string> = {
  ...perBrowseView((view) => view.command.example),
  ...PICTURE_EXAMPLES,
  ...ALERT_EXAMPLES,
};

/** Every subcommand's usage line and example, in /ivs help's order (browse views first, then timeline). */
export const HELP: readonly { usage: string; example: string }[] = (
  [
    ...BROWSE_VIEWS.map((view) => view.name),
    ...(Object.keys(PICTURE_USAGE) as PictureCommandName[]),
    ...(Object.keys(ALERT_USAGE) as AlertCommandName[]),
  ] as const
).map((name: SubcommandName) => ({ usage: USAGE[name], example: EXAMPLES[name] }));
