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
    expect(validateNewCase({ ...valid, subject: 'line\nbreak' }).subject?.key).toBe('newCase.subjectControl');
    expect(validateNewCase({ ...valid, subject: 'nul\u0000' }).subject?.key).toBe('newCase.subjectControl');
  });

  it('checks the subject length before its characters, like the server', () => {
    expect(validateNewCase({ ...valid, subject: `${'x'.repeat(SUBJECT_MAX)}\u0007` }).subject?.key).toBe('newCase.subjectTooLong');
  });

  it('keeps line breaks and tabs in the description but refuses other control characters', () => {
    expect(validateNewCase({ ...valid, description: 'first\r\nsecond\tthird' })).toEqual({});
    expect(validateNewCase({ ...valid, description: 'bell\u0007' })).toEqual({
      description: { key: 'newCase.descriptionControl' },
    });
    expect(validateNewCase({ ...valid, description: 'escape \u001b[31m red' }).description?.key).toBe('newCase.descriptionControl');
    expect(validateNewCase({ ...valid, description: 'del\u007f' }).description?.key).toBe('newCase.descriptionControl');
    expect(validateNewCase({ ...valid, description: 'c1\u0085' }).description?.key).toBe('newCase.descriptionControl');
  });

  it('trims as the server does (Unicode White_Space, Rust str::trim)', () => {
    // No-break and ideographic spaces only: blank to the server.
    expect(validateNewCase({ ...valid, subject: '\u00a0\u3000', description: '\u2028\u00a0' })).toEqual({
      subject: { key: 'newCase.subjectRequired' },
      description: { key: 'newCase.descriptionRequired' },
    });
    // U+0085 (next line) is white space to Rust: trimmed from the subject, so not a control there.
    expect(validateNewCase({ ...valid, subject: '\u0085Printer offline\u0085' })).toEqual({});
    expect(toNewCaseBody({ ...valid, subject: '\u0085\u00a0Printer offline\u2003' }).subject).toBe('Printer offline');
    // U+FEFF is not white space to Rust: it stays (and counts).
    expect(toNewCaseBody({ ...valid, subject: '\ufeffPrinter offline' }).subject).toBe('\ufeffPrinter offline');
    expect(validateNewCase({ ...valid, subject: `\ufeff${'x'.repeat(SUBJECT_MAX)}` }).subject?.key).toBe('newCase.subjectTooLong');
  });

  it('sends a trimmed subject and only known fields', () => {
    expect(toNewCaseBody({ ...valid, subject: '  Printer offline  ' })).toEqual({
      subject: 'Printer offline',
      description: 'It stopped.',
      priority: 'medium',
    });
  });
});
