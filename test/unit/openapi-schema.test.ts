// The small OpenAPI schema validator the emulator contract test relies on, on GitHub's own schemas.
import { describe, expect, it } from 'vitest';
import { loadGitHubDescription, type Schema, validate } from '../support/openapi-schema.js';

const spec = loadGitHubDescription();
const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });

describe('validate (OpenAPI subset)', () => {
  it('checks required properties, types and nullable fields of a $ref', () => {
    const comment = {
      id: 1,
      node_id: 'IC_1',
      url: 'u',
      html_url: 'h',
      issue_url: 'i',
      user: null,
      created_at: '2026-01-01T00:00:00Z',
      updated_at: '2026-01-01T00:00:00Z',
    };
    expect(validate(spec, ref('issue-comment'), comment)).toEqual([]);
    const { id: _, ...noId } = comment;
    expect(validate(spec, ref('issue-comment'), noId)).toEqual(['$: required property id is missing']);
    expect(validate(spec, ref('issue-comment'), { ...comment, id: '1' })).toEqual([
      '$.id: string where the description says integer',
    ]);
    expect(validate(spec, ref('issue-comment'), { ...comment, node_id: null })).toEqual([
      '$.node_id: null is not allowed',
    ]);
  });

  it('checks enums, items, additionalProperties and oneOf', () => {
    expect(validate(spec, { type: 'array', items: ref('author-association') }, ['MEMBER', 'BOSS'])).toEqual([
      '$[1]: "BOSS" is not in the enum',
    ]);
    expect(validate(spec, ref('empty-object'), { a: 1 })).toEqual(['$: property a is not allowed']);
    const either: Schema = { oneOf: [{ type: 'string' }, { type: 'integer' }] };
    expect(validate(spec, either, 3)).toEqual([]);
    expect(validate(spec, either, true)).toEqual(['$: fits 0 branches of oneOf, not exactly one']);
    expect(validate(spec, { anyOf: [{ type: 'string' }] }, 1)).toEqual(['$: matches none of anyOf']);
    expect(validate(spec, { allOf: [{ type: 'object', required: ['a'] }] }, {})).toEqual([
      '$: required property a is missing',
    ]);
  });
});
