import { describe, expect, it } from 'vitest';
import { fieldPath, invalid, invalidMessage, invalidStatus, invalidStatusMessage, required } from './index.js';

const image = required(fieldPath('spec', 'containers').index(0).child('image'));
const name = invalid(fieldPath('metadata', 'name'), 'Bad_Name', 'x');

describe('the API server Status', () => {
  it('message is upstream NewInvalid: one error bare, several in brackets, kind qualified by group', () => {
    expect(invalidStatusMessage({ kind: 'Pod' }, 'web', [image])).toBe('Pod "web" is invalid: spec.containers[0].image: Required value');
    expect(invalidStatusMessage({ kind: 'Pod' }, 'web', [image, name, image])).toBe(
      'Pod "web" is invalid: [spec.containers[0].image: Required value, metadata.name: Invalid value: "Bad_Name": x]',
    );
    expect(invalidStatusMessage({ kind: 'Deployment', group: 'apps' }, 'web', [])).toBe('Deployment.apps "web" is invalid');
  });

  it('is a 422 Invalid Status with one cause per error', () => {
    expect(invalidStatus({ kind: 'Deployment', group: 'apps' }, 'web', [image])).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'Deployment.apps "web" is invalid: spec.containers[0].image: Required value',
      reason: 'Invalid',
      details: {
        name: 'web',
        group: 'apps',
        kind: 'Deployment',
        causes: [{ reason: 'FieldValueRequired', message: 'Required value', field: 'spec.containers[0].image' }],
      },
      code: 422,
    });
  });
});

describe('what kubectl 1.32 prints (checked against kubectl 1.31-1.33 and a fake server)', () => {
  it('one error on the same line', () => {
    expect(invalidMessage('Pod', 'web', [image])).toBe('The Pod "web" is invalid: spec.containers[0].image: Required value');
  });
  it('several errors as a bulleted list, after a trailing space', () => {
    expect(invalidMessage('Pod', 'web', [image, name, image])).toBe(
      'The Pod "web" is invalid: \n* spec.containers[0].image: Required value\n* metadata.name: Invalid value: "Bad_Name": x',
    );
  });
});
