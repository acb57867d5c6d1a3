import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { z } from 'zod';
import { BrowseService, PAGING_TTL_MS } from '../../src/browse/BrowseService.ts';
import type { BrowseSource, Fetched } from '../../src/browse/types.ts';
import type { IvsFailure } from '../../src/ivs/IvsFailure.ts';
import type { IvsGateway, PageRequest } from '../../src/ivs/IvsGateway.ts';
import type { PagingRepository, PagingState } from '../../src/store/PagingRepository.ts';

// The paging engine alone, over a scripted view source: what is stored, when a button has expired,
// and when a failure is a stale page position rather than the user's.

class MemoryPaging implements Pick<PagingRepository, 'savePagingState' | 'loadPagingState' | 'setPageToken'> {
  readonly states = new Map<string, PagingState>();
  async savePagingState(state: PagingState) {
    this.states.set(state.id, state);
  }
  async loadPagingState(id: string) {
    return this.states.get(id);
  }
  async setPageToken(id: string, pageIndex: number, token: string | null) {
    const state = this.states.get(id);
    if (!state) return;
    const tokens = [...state.tokens];
    tokens[pageIndex] = token;
    this.states.set(id, { ...state, tokens });
  }
}

const failure = (kind: IvsFailure['kind']): IvsFailure => ({
  kind,
  operation: 'ListThings',
  resource: 'things',
  detail: '',
});

/** Pages of letters; `answers` scripts what each fetch returns, in order. */
function lettersSource(answers: Fetched<{ letters: string[] }>[]) {
  const asked: { target: unknown; page: PageRequest }[] = [];
  const source: BrowseSource<
    { name: 'letters'; from: string },
    { view: 'letters'; from: string },
    { letters: string[] }
  > & {
    name: 'letters';
  } = {
    name: 'letters',
    pageSize: 3,
    target: z.object({ view: z.literal('letters'), from: z.string().length(1) }),
    async resolve(request) {
      return request.from === '?'
        ? { ok: false, failure: failure('not_found') }
        : { ok: true, value: { view: 'letters', from: request.from } };
    },
    async fetch(target, page) {
      asked.push({ target, page });
      const answer = answers.shift();
      if (!answer) throw new Error('no scripted answer left');
      return answer;
    },
  };
  return { source, asked };
}

const ok = (letters: string[], nextToken?: string): Fetched<{ letters: string[] }> => ({
  ok: true,
  data: { letters },
  nextToken,
});

function service(answers: Fetched<{ letters: string[] }>[], now = () => new Date('2026-01-01T00:00:00Z')) {
  const paging = new MemoryPaging();
  const { source, asked } = lettersSource(answers);
  let ids = 0;
  const browse = new BrowseService({
    ivs: {} as IvsGateway,
    store: paging,
    sources: [source],
    now,
    newId: () => `state${++ids}`,
  });
  return { browse, paging, asked };
}

describe('BrowseService', () => {
  test('start stores the resolved target, shows page 1 with its paging, and keeps the next token', async () => {
    const { browse, paging, asked } = service([ok(['a', 'b', 'c'], 'T2')]);
    const outcome = await browse.start({ name: 'letters', from: 'a' });
    assert.deepEqual(outcome, {
      ok: true,
      view: {
        kind: 'letters',
        letters: ['a', 'b', 'c'],
        paging: { stateId: 'state1', pageIndex: 0, hasPrevious: false, hasNext: true },
      },
    });
    assert.deepEqual(paging.states.get('state1')?.query, { view: 'letters', from: 'a' });
    assert.deepEqual(paging.states.get('state1')?.tokens, [null, 'T2']);
    assert.deepEqual(asked, [
      { target: { view: 'letters', from: 'a' }, page: { nextToken: undefined, maxResults: 3 } },
    ]);
  });

  test('a request that does not resolve stores nothing', async () => {
    const { browse, paging } = service([]);
    const outcome = await browse.start({ name: 'letters', from: '?' });
    assert.deepEqual(outcome, { ok: false, problem: { kind: 'ivs', failure: failure('not_found') } });
    assert.equal(paging.states.size, 0);
  });

  test('page n reads with the token stored for it; the last page has no Next', async () => {
    const { browse, asked } = service([ok(['a', 'b', 'c'], 'T2'), ok(['d'])]);
    await browse.start({ name: 'letters', from: 'a' });
    const second = await browse.page('state1', 1);
    assert.ok(second.ok);
    assert.deepEqual(second.view.paging, {
      stateId: 'state1',
      pageIndex: 1,
      hasPrevious: true,
      hasNext: false,
    });
    assert.equal(asked[1]?.page.nextToken, 'T2');
  });

  test('unknown, expired, unreadable or out-of-range paging states are "expired"', async () => {
    let now = new Date('2026-01-01T00:00:00Z');
    const { browse, paging } = service([ok(['a'], 'T2')], () => now);
    await browse.start({ name: 'letters', from: 'a' });
    const expired = { ok: false, problem: { kind: 'expired' } };
    assert.deepEqual(await browse.page('nope', 0), expired);
    assert.deepEqual(await browse.page('state1', 2), expired, 'no token learned for page 3');
    assert.deepEqual(await browse.page('state1', -1), expired);
    for (const query of [{ view: 'letters', from: 'ab' }, { view: 'other', from: 'a' }, null, 'letters']) {
      paging.states.set('bad', { id: 'bad', query, tokens: [null], createdAt: now });
      assert.deepEqual(await browse.page('bad', 0), expired, JSON.stringify(query));
    }
    now = new Date(now.getTime() + PAGING_TTL_MS + 1);
    assert.deepEqual(await browse.page('state1', 1), expired, 'older than the TTL');
  });

  test('invalid input on a paged call with a token is a stale position; otherwise the IVS failure', async () => {
    const invalid = failure('invalid_input');
    const { browse } = service([
      ok(['a'], 'T2'),
      { ok: false, failure: invalid, pageFailure: true },
      { ok: false, failure: invalid, pageFailure: false },
      { ok: false, failure: invalid, pageFailure: true },
    ]);
    await browse.start({ name: 'letters', from: 'a' });
    assert.deepEqual(await browse.page('state1', 1), {
      ok: false,
      problem: { kind: 'stale_token', stateId: 'state1' },
    });
    assert.deepEqual(await browse.page('state1', 1), {
      ok: false,
      problem: { kind: 'ivs', failure: invalid },
    });
    assert.deepEqual(await browse.page('state1', 0), {
      ok: false,
      problem: { kind: 'ivs', failure: invalid },
    });
  });
});
