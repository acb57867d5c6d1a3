import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  AccessDeniedException,
  InternalServerException,
  ResourceNotFoundException,
  ValidationException,
} from '@aws-sdk/client-ivs-realtime';
import {
  describeIvsFailure,
  type IvsFailure,
  type IvsFailureKind,
  toIvsFailure,
} from '../../src/ivs/IvsFailure.ts';

const STAGE = 'arn:aws:ivs:us-east-1:123456789012:stage/AbCdEf123456';

/** An error shaped like the SDK's: IVS's text is in `exceptionMessage`, `message` is the SDK's own. */
function sdkError(name: string, status: number, exceptionMessage?: string): Error {
  const error = new Error('UnknownError') as Error & {
    exceptionMessage?: string;
    $metadata: { httpStatusCode: number };
  };
  error.name = name;
  error.$metadata = { httpStatusCode: status };
  if (exceptionMessage !== undefined) error.exceptionMessage = exceptionMessage;
  return error;
}

describe('toIvsFailure', () => {
  const byName: Array<[string, number, IvsFailureKind]> = [
    ['ResourceNotFoundException', 404, 'not_found'],
    ['AccessDeniedException', 403, 'access_denied'],
    ['UnrecognizedClientException', 403, 'access_denied'],
    ['ExpiredTokenException', 400, 'access_denied'],
    ['CredentialsProviderError', 0, 'access_denied'],
    ['ThrottlingException', 429, 'throttled'],
    ['TooManyRequestsException', 429, 'throttled'],
    ['ValidationException', 400, 'invalid_input'],
    ['ConflictException', 409, 'invalid_input'],
    ['ServiceQuotaExceededException', 402, 'invalid_input'],
    ['InternalServerException', 500, 'unavailable'],
  ];
  for (const [name, status, kind] of byName) {
    test(`${name} → ${kind}`, () => {
      const failure = toIvsFailure(sdkError(name, status, 'said IVS'), 'GetParticipant', STAGE);
      assert.deepEqual(failure, { kind, operation: 'GetParticipant', resource: STAGE, detail: 'said IVS' });
    });
  }

  test('the name decides, not the status: a ValidationException with 403 is still invalid input', () => {
    assert.equal(
      toIvsFailure(sdkError('ValidationException', 403), 'ListStages', 'us-east-1').kind,
      'invalid_input',
    );
  });

  const byStatus: Array<[number, IvsFailureKind]> = [
    [429, 'throttled'],
    [403, 'access_denied'],
    [500, 'unavailable'],
    [502, 'unavailable'],
    [503, 'unavailable'],
    [504, 'unavailable'],
  ];
  for (const [status, kind] of byStatus) {
    test(`an unknown error name with HTTP ${status} → ${kind}`, () => {
      assert.equal(toIvsFailure(sdkError('SomethingNewException', status), 'GetStage', STAGE).kind, kind);
    });
  }

  test('an unknown error without a status (socket reset, timeout) is unavailable', () => {
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    assert.deepEqual(toIvsFailure(reset, 'ListStages', 'us-east-1'), {
      kind: 'unavailable',
      operation: 'ListStages',
      resource: 'us-east-1',
      detail: 'socket hang up',
    });
  });

  test('the real SDK exception classes map by their name and keep exceptionMessage', () => {
    const metadata = { httpStatusCode: 404 };
    const cases: Array<[Error, IvsFailureKind]> = [
      [
        new ResourceNotFoundException({
          $metadata: metadata,
          message: 'sdk text',
          exceptionMessage: 'Stage not found',
        }),
        'not_found',
      ],
      [
        new AccessDeniedException({
          $metadata: metadata,
          message: 'sdk text',
          exceptionMessage: 'Stage not found',
        }),
        'access_denied',
      ],
      [
        new ValidationException({
          $metadata: metadata,
          message: 'sdk text',
          exceptionMessage: 'Stage not found',
        }),
        'invalid_input',
      ],
      [
        new InternalServerException({
          $metadata: { httpStatusCode: 500 },
          message: 'sdk text',
          exceptionMessage: 'Stage not found',
        }),
        'unavailable',
      ],
    ];
    for (const [error, kind] of cases) {
      const failure = toIvsFailure(error, 'GetStage', STAGE);
      assert.equal(failure.kind, kind, error.name);
      assert.equal(failure.detail, 'Stage not found', error.name);
    }
  });

  test('detail is exceptionMessage, never the SDK message, when IVS sent one', () => {
    const failure = toIvsFailure(
      sdkError('ResourceNotFoundException', 404, 'No participant with ID p1'),
      'GetParticipant',
      'p1',
    );
    assert.equal(failure.detail, 'No participant with ID p1');
    assert.doesNotMatch(failure.detail, /UnknownError/);
  });

  test('without exceptionMessage the detail is name and message', () => {
    const failure = toIvsFailure(sdkError('ThrottlingException', 429), 'ListStages', 'us-east-1');
    assert.equal(failure.detail, 'ThrottlingException: UnknownError');
  });

  test('non-Error throws still give a failure', () => {
    assert.deepEqual(toIvsFailure('boom', 'GetStage', STAGE), {
      kind: 'unavailable',
      operation: 'GetStage',
      resource: STAGE,
      detail: 'boom',
    });
    assert.equal(toIvsFailure(undefined, 'GetStage', STAGE).kind, 'unavailable');
    assert.equal(toIvsFailure(null, 'GetStage', STAGE).detail, 'null');
    assert.equal(
      toIvsFailure({ name: 42, $metadata: { httpStatusCode: '429' } }, 'GetStage', STAGE).kind,
      'unavailable',
    );
  });
});

describe('describeIvsFailure', () => {
  const failure = (kind: IvsFailureKind): IvsFailure => ({
    kind,
    operation: 'ListParticipantEvents',
    resource: `${STAGE} session st-AbCdEf1234567`,
    detail: 'Participant xYz123AbC456 not found',
  });

  test('not found names the resource and quotes IVS', () => {
    assert.equal(
      describeIvsFailure(failure('not_found')),
      `Not found: ${STAGE} session st-AbCdEf1234567. IVS said: Participant xYz123AbC456 not found`,
    );
  });

  test('access denied names the IAM action ivs:<Operation> and the resource', () => {
    const sentence = describeIvsFailure(failure('access_denied'));
    assert.match(sentence, /ivs:ListParticipantEvents/);
    assert.ok(sentence.includes(`on ${STAGE} session st-AbCdEf1234567`));
    assert.match(sentence, /IAM/);
  });

  test('throttled says to retry and mentions the rate', () => {
    const sentence = describeIvsFailure(failure('throttled'));
    assert.match(sentence, /throttling/);
    assert.match(sentence, /5 per second/);
    assert.match(sentence, /try again in a few seconds/i);
  });

  test('invalid input names the resource and IVS’s reason', () => {
    assert.equal(
      describeIvsFailure(failure('invalid_input')),
      `IVS refused the request for ${STAGE} session st-AbCdEf1234567: Participant xYz123AbC456 not found`,
    );
  });

  test('unavailable asks to retry later without internal detail', () => {
    const sentence = describeIvsFailure(failure('unavailable'));
    assert.match(sentence, /IVS is not answering/);
    assert.match(sentence, /try again/i);
    assert.ok(!sentence.includes('Participant xYz123AbC456 not found'));
  });

  test('every kind gives one non-empty line', () => {
    for (const kind of ['not_found', 'access_denied', 'throttled', 'invalid_input', 'unavailable'] as const) {
      const sentence = describeIvsFailure(failure(kind));
      assert.ok(sentence.length > 0);
      assert.doesNotMatch(sentence, /\n/);
    }
  });
});
