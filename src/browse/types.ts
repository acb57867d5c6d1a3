// The data of browsing: what a view source is, what a shown page carries, why a request showed
// nothing. Views and descriptors import these types; only main.ts and the listeners use the service.
import type { z } from 'zod';
import type { IvsFailure, IvsResult } from '../ivs/IvsFailure.ts';
import type { IvsGateway, PageRequest } from '../ivs/IvsGateway.ts';

/** Where a rendered page sits in its paging state; buttons carry `stateId:pageIndex`. */
export interface Paging {
  readonly stateId: string;
  readonly pageIndex: number;
  readonly hasPrevious: boolean;
  readonly hasNext: boolean;
}

/** Why a browse request produced no view; each has one sentence in the views. */
export type BrowseProblem =
  | { kind: 'ivs'; failure: IvsFailure }
  | { kind: 'expired' }
  | { kind: 'stale_token'; stateId: string };

export type BrowseOutcome<View> = { ok: true; view: View } | { ok: false; problem: BrowseProblem };

/**
 * One page of a view as its source read it. `pageFailure` tells a failure of the paged call (a
 * nextToken IVS no longer accepts is a paging problem) from one of a call that takes no token.
 */
export type Fetched<Data> =
  | { ok: true; data: Data; nextToken: string | undefined }
  | { ok: false; failure: IvsFailure; pageFailure: boolean };

/**
 * How the browse service reads one view (the port it owns; each view's descriptor implements it):
 * - `Request`: what the user asked for (a command or a button), the stage possibly a bare ID;
 * - `Target`: the request resolved, stored as the paging state's query and validated by `target`
 *   whenever a button reads it back (the store is outside this process too);
 * - `Data`: what one page shows.
 */
export interface BrowseSource<Request, Target, Data> {
  readonly name: string;
  readonly pageSize: number;
  readonly target: z.ZodType<Target>;
  resolve(request: Request, ivs: IvsGateway): Promise<IvsResult<Target>>;
  fetch(target: Target, page: PageRequest, ivs: IvsGateway): Promise<Fetched<Data>>;
}

/** A page as the views render it: the source's data, the view's name as `kind`, and its paging. */
export type Shown<Name extends string, Data> = { readonly kind: Name; readonly paging: Paging } & Data;
