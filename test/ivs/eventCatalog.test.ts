import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { EventErrorCode, EventName } from '@aws-sdk/client-ivs-realtime';
import {
  ERROR_CODES,
  EVENT_NAMES,
  errorCodeFix,
  explainErrorCode,
  isErrorEvent,
  KNOWN_ERROR_CODES,
} from '../../src/ivs/eventCatalog.ts';

describe('the event catalog against the installed SDK model', () => {
  // An SDK upgrade that adds a code or an event fails here, so the catalog gets its explanation.
  for (const code of Object.values(EventErrorCode)) {
    test(`error code ${code} has a meaning and a fix`, () => {
      const info = ERROR_CODES[code];
      assert.ok(info, `ERROR_CODES has no entry for ${code}`);
      assert.ok(info.meaning.length > 10);
      assert.ok(info.fix.length > 10);
      assert.equal(explainErrorCode(code), info.meaning);
      assert.equal(errorCodeFix(code), info.fix);
    });
  }

  test('every EventName of the SDK is in EVENT_NAMES', () => {
    const missing = Object.values(EventName).filter(
      (name) => !(EVENT_NAMES as readonly string[]).includes(name),
    );
    assert.deepEqual(missing, []);
  });

  test('the catalog names nothing the SDK does not know (no typos)', () => {
    const sdkCodes: readonly string[] = Object.values(EventErrorCode);
    const sdkNames: readonly string[] = Object.values(EventName);
    assert.deepEqual(
      KNOWN_ERROR_CODES.filter((code) => !sdkCodes.includes(code)),
      [],
    );
    assert.deepEqual(
      EVENT_NAMES.filter((name) => !sdkNames.includes(name)),
      [],
    );
  });

  test('KNOWN_ERROR_CODES lists the catalog sorted', () => {
    assert.deepEqual(KNOWN_ERROR_CODES, Object.keys(ERROR_CODES).sort());
  });
});

describe('explainErrorCode and errorCodeFix', () => {
  test('an unknown (newer) code is explained generically, not left blank', () => {
    assert.match(explainErrorCode('SOME_FUTURE_CODE'), /does not know yet/);
    assert.match(errorCodeFix('SOME_FUTURE_CODE'), /documentation/);
  });

  test('inherited object keys are not mistaken for codes', () => {
    assert.match(explainErrorCode('toString'), /does not know yet/);
    assert.match(explainErrorCode('__proto__'), /does not know yet/);
    assert.match(explainErrorCode('constructor'), /does not know yet/);
  });
});

describe('isErrorEvent', () => {
  test('the *_ERROR events are errors even without a code', () => {
    for (const name of ['PUBLISH_ERROR', 'SUBSCRIBE_ERROR', 'JOIN_ERROR']) {
      assert.equal(isErrorEvent({ name }), true, name);
    }
  });

  test('any event with an error code is an error', () => {
    assert.equal(isErrorEvent({ name: 'LEFT', errorCode: 'QUOTA_EXCEEDED' }), true);
    assert.equal(isErrorEvent({ errorCode: 'B_FRAME_PRESENT' }), true);
  });

  test('a future *_ERROR name counts as an error', () => {
    assert.equal(isErrorEvent({ name: 'RECORDING_ERROR' }), true);
  });

  test('the other events are not errors', () => {
    for (const name of EVENT_NAMES.filter((n) => !n.endsWith('_ERROR'))) {
      assert.equal(isErrorEvent({ name }), false, name);
    }
    assert.equal(isErrorEvent({ name: 'JOINED', errorCode: '' }), false);
    assert.equal(isErrorEvent({}), false);
    assert.equal(isErrorEvent({ name: undefined, errorCode: undefined }), false);
  });
});

describe('the kinds EventBridge adds (issue 13)', () => {
  test('every code an EventBridge event alerts with is explained and can be named in codes=', async () => {
    const { EVENTBRIDGE_ALERT_CODES } = await import('../../src/domain/ivsEvents.ts');
    const { VALID_ALERT_CODES } = await import('../../src/ivs/eventCatalog.ts');
    for (const code of new Set(Object.values(EVENTBRIDGE_ALERT_CODES))) {
      assert.doesNotMatch(explainErrorCode(code), /does not know yet/, code);
      assert.doesNotMatch(errorCodeFix(code), /documentation for this code/, code);
      assert.ok(VALID_ALERT_CODES.includes(code), code);
    }
    assert.equal(new Set(VALID_ALERT_CODES).size, VALID_ALERT_CODES.length, 'no code twice');
  });
});
