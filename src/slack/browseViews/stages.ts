import { z } from 'zod';
import { accountLabel, parseAccount } from '../../ivs/accountRoles.ts';
import type { StageSummary } from '../../ivs/IvsGateway.ts';
import { ACCOUNT_ID, parseRegion, REGION_NAME } from '../../ivs/identifiers.ts';
import { renderStages } from '../views/listViews.ts';
import type { BrowseViewDescriptor } from './BrowseViewDescriptor.ts';

const target = z.object({
  view: z.literal('stages'),
  region: z.string().regex(REGION_NAME),
  /** A listed account (IVS_ACCOUNT_ROLES) and how people know it; absent: the bot's own account. */
  account: z.string().regex(ACCOUNT_ID).optional(),
  accountLabel: z.string().max(60).optional(),
});

type StagesRequest = { name: 'stages'; region: string; account?: { id: string; label: string } };

/**
 * `/ivs stages [region] [account]`: the stages of a region (default: the default region) in the
 * bot's own account, or in a listed account given by ID or alias. A lone word that is no region
 * name is taken as the account (`/ivs stages prod`).
 */
export const stagesView: BrowseViewDescriptor<
  'stages',
  StagesRequest,
  z.infer<typeof target>,
  { region: string; account?: string | undefined; stages: readonly StageSummary[] }
> = {
  name: 'stages',
  command: {
    usage: '/ivs stages [region] [account]',
    example: '/ivs stages eu-west-1',
    access: 'read',
    parse(args, { defaultRegion, regions, accounts = new Map() }) {
      if (args.length > 2) return { ok: false, problem: 'Too many arguments.' };
      const [first, second] = args;
      // A lone word is the region, unless it is a listed account (`/ivs stages prod`).
      const loneAccount =
        args.length === 1 && first !== undefined && !REGION_NAME.test(first.trim().toLowerCase())
          ? parseAccount(first, accounts)
          : undefined;
      const region = parseRegion(loneAccount ? defaultRegion : (first ?? defaultRegion), regions);
      if (!region.ok) return region;
      if (loneAccount && !loneAccount.ok && accounts.size === 0) {
        // No account to name: the word was meant as a region, and that is what to say.
        const asRegion = parseRegion(first ?? '', regions);
        if (!asRegion.ok) return asRegion;
      }
      if (loneAccount && !loneAccount.ok) {
        return {
          ok: false,
          problem: `“${(first ?? '').slice(0, 40)}” is not an AWS region name such as us-east-1, nor an account: ${loneAccount.problem.replace(/^.*?: /, '')}`,
        };
      }
      const account = loneAccount ?? (second === undefined ? undefined : parseAccount(second, accounts));
      if (account === undefined) return { ok: true, value: { name: 'stages', region: region.value } };
      if (!account.ok) return account;
      const { accountId } = account.value;
      return {
        ok: true,
        value: {
          name: 'stages',
          region: region.value,
          account: { id: accountId, label: accountLabel(accounts, accountId) },
        },
      };
    },
  },
  target,
  pageSize: 20,
  async resolve(request) {
    return {
      ok: true,
      value: request.account
        ? {
            view: 'stages',
            region: request.region,
            account: request.account.id,
            accountLabel: request.account.label,
          }
        : { view: 'stages', region: request.region },
    };
  },
  async fetch(target, page, ivs) {
    const result = await ivs.listStages(target.region, page, 'interactive', target.account);
    if (!result.ok) return { ok: false, failure: result.failure, pageFailure: true };
    return {
      ok: true,
      data: {
        region: target.region,
        account: target.account === undefined ? undefined : (target.accountLabel ?? target.account),
        stages: result.value.items,
      },
      nextToken: result.value.nextToken,
    };
  },
  render: renderStages,
};
