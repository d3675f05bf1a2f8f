import { describe, expect, it } from 'vitest';
import { DESCRIPTION_MAX, SUBJECT_MAX, toNewCaseBody, validateNewCase } from './createCase';

describe('validateNewCase (mirrors the server)', () => {
  const valid = { subject: 'Printer offline', description: 'It stopped.', priority: 'medium' as const };

  it('accepts a valid case', () => {
    expect(validateNewCase(valid)).toEqual({});
  });

  it('requires a subject and a description', () => {
    expect(validateNewCase({ ...valid, subject: '   ', description: '\n' })).toEqual({
      subject: { key: 'newCase.subjectRequired' },
      description: { key: 'newCase.descriptionRequired' },
    });
  });

  it('limits lengths in characters, after trimming the subject', () => {
    expect(validateNewCase({ ...valid, subject: ` ${'x'.repeat(SUBJECT_MAX)} ` })).toEqual({});
    expect(validateNewCase({ ...valid, subject: 'x'.repeat(SUBJECT_MAX + 1) }).subject?.key).toBe('newCase.subjectTooLong');
    expect(validateNewCase({ ...valid, description: '😀'.repeat(DESCRIPTION_MAX) })).toEqual({});
    expect(validateNewCase({ ...valid, description: 'x'.repeat(DESCRIPTION_MAX + 1) }).description?.key).toBe(
      'newCase.descriptionTooLong',
    );
  });

  it('refuses control characters in the subject', () => {
    expect(validateNewCase({ ...valid, subject: 'a\tb' }).subject?.key).toBe('newCase.subjectControl');
  });

  it('sends a trimmed subject and only known fields', () => {
    expect(toNewCaseBody({ ...valid, subject: '  Printer offline  ' })).toEqual({
      subject: 'Printer offline',
      description: 'It stopped.',
      priority: 'medium',
    });
  });
});
