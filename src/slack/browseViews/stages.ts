import { z } from 'zod';
import type { StageSummary } from '../../ivs/IvsGateway.ts';
import { parseRegion, REGION_NAME } from '../../ivs/identifiers.ts';
import { renderStages } from '../views/listViews.ts';
import type { BrowseViewDescriptor } from './BrowseViewDescriptor.ts';

const target = z.object({ view: z.literal('stages'), region: z.string().regex(REGION_NAME) });

/** `/ivs stages [region]`: the stages of a region (default: IVS_DEFAULT_REGION). */
export const stagesView: BrowseViewDescriptor<
  'stages',
  { name: 'stages'; region: string },
  z.infer<typeof target>,
  { region: string; stages: readonly StageSummary[] }
> = {
  name: 'stages',
  command: {
    usage: '/ivs stages [region]',
    example: '/ivs stages eu-west-1',
    access: 'read',
    parse(args, { defaultRegion, regions }) {
      if (args.length > 1) return { ok: false, problem: 'Too many arguments.' };
      const region = parseRegion(args[0] ?? defaultRegion, regions);
      return region.ok ? { ok: true, value: { name: 'stages', region: region.value } } : region;
    },
  },
  target,
  pageSize: 20,
  async resolve(request) {
    return { ok: true, value: { view: 'stages', region: request.region } };
  },
  async fetch(target, page, ivs) {
    const result = await ivs.listStages(target.region, page, 'interactive');
    if (!result.ok) return { ok: false, failure: result.failure, pageFailure: true };
    return {
      ok: true,
      data: { region: target.region, stages: result.value.items },
      nextToken: result.value.nextToken,
    };
  },
  render: renderStages,
};
