import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ACTION } from '../../../src/slack/actionIds.ts';
import { BROWSE_VIEWS, browseViewNamed } from '../../../src/slack/browseViews/registry.ts';

const ARN = 'arn:aws:ivs:eu-west-1:123456789012:stage/AbCdEf123456';
const SESSION = 'st-AbCdEf1234567';

describe('the browse view registry', () => {
  test('one descriptor per name, each button opening one view', () => {
    const names = BROWSE_VIEWS.map((view) => view.name);
    assert.equal(new Set(names).size, names.length);
    const opens = BROWSE_VIEWS.flatMap((view) => (view.open ? [view.open.actionId] : []));
    assert.deepEqual(
      opens.sort(),
      [ACTION.openParticipant, ACTION.openParticipants, ACTION.openSessions].sort(),
    );
    for (const name of names) assert.equal(browseViewNamed(name)?.name, name);
    assert.equal(browseViewNamed('watch'), undefined);
  });

  // Paging states written before the descriptors (and still behind buttons posted in Slack) are read
  // back by the descriptors' target schemas: the stored form is a public contract.
  test('targets stored in the paging state keep their form', () => {
    const stored = [
      { view: 'stages', region: 'eu-west-1' },
      { view: 'sessions', stageArn: ARN },
      { view: 'participants', stageArn: ARN, sessionId: SESSION, filter: { kind: 'none' } },
      {
        view: 'participants',
        stageArn: ARN,
        sessionId: SESSION,
        filter: { kind: 'recording', state: 'ACTIVE' },
      },
      { view: 'participant', stageArn: ARN, sessionId: SESSION, participantId: 'xYz123AbC456' },
    ];
    for (const query of stored) {
      const parsed = browseViewNamed(query.view)?.target.safeParse(query);
      assert.ok(parsed?.success, JSON.stringify(query));
      assert.deepEqual(parsed.data, query);
    }
    assert.equal(
      browseViewNamed('sessions')?.target.safeParse({ view: 'sessions', stageArn: 'x' }).success,
      false,
    );
    assert.equal(
      browseViewNamed('stages')?.target.safeParse({ view: 'sessions', stageArn: ARN }).success,
      false,
    );
  });

  test('every view pages IVS 20 items at a time', () => {
    for (const view of BROWSE_VIEWS) assert.equal(view.pageSize, 20, view.name);
  });
});
