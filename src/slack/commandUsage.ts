// What /ivs help and usage errors show: data the views render and the command parser quotes.

/** The /ivs subcommands other than help. */
export type SubcommandName =
  | 'stages'
  | 'sessions'
  | 'participants'
  | 'participant'
  | 'watch'
  | 'unwatch'
  | 'watches'
  | 'mutes';

export const USAGE: Record<SubcommandName, string> = {
  participant: '/ivs participant <stage> <session-id> <participant-id>',
  participants:
    '/ivs participants <stage> <session-id> [--state connected|disconnected] [--published] [--user <userId>] [--recording <state>]',
  sessions: '/ivs sessions <stage>',
  stages: '/ivs stages [region]',
  watch:
    '/ivs watch <stage> [#channel] [codes=QUOTA_EXCEEDED,PUBLISHER_NOT_FOUND,…] [mention=@user|@group|here]',
  unwatch: '/ivs unwatch <stage> [#channel]',
  watches: '/ivs watches',
  mutes: '/ivs mutes',
};

export const EXAMPLES: Record<SubcommandName, string> = {
  participant:
    '/ivs participant arn:aws:ivs:us-east-1:123456789012:stage/AbCdEf123456 st-AbCdEf1234567 xYz123AbC456',
  participants: '/ivs participants AbCdEf123456 st-AbCdEf1234567 --state connected',
  sessions: '/ivs sessions arn:aws:ivs:us-east-1:123456789012:stage/AbCdEf123456',
  stages: '/ivs stages eu-west-1',
  watch:
    '/ivs watch AbCdEf123456 #live-alerts codes=QUOTA_EXCEEDED,PUBLISHER_NOT_FOUND mention=@video-oncall',
  unwatch: '/ivs unwatch AbCdEf123456 #live-alerts',
  watches: '/ivs watches',
  mutes: '/ivs mutes',
};
