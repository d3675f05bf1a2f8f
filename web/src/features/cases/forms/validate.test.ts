import { describe, expect, it } from 'vitest';
import type { FormDetail } from '../../../api/types';
import corpus from './fixtures/corpus.json';
import forms from './fixtures/forms.json';
import { refusalMessage, refusals, toFields } from './validate';

/**
 * The shared corpus (decision 029): the browser refuses exactly what the server refuses, for
 * the same reason, on the schemas the server serves (backend/tests/forms.rs checks both the
 * server against the corpus and that `forms.json` is what it serves).
 */
const served = forms as unknown as Record<string, FormDetail>;

describe('the shared corpus of dynamic-form submissions', () => {
  for (const entry of corpus.cases) {
    it(entry.name, () => {
      const form = served[entry.form];
      expect(form).toBeDefined();
      if (!form) return;
      const found = refusals(form, entry.fields);
      expect(found).toEqual(entry.refusals);
      for (const [field, refusal] of Object.entries(found)) {
        expect(refusalMessage(form, field, refusal)).not.toBe('');
      }
    });
  }
});

describe('toFields', () => {
  const hardware = served.Hardware_Fault;
  const access = served.Access_Request;

  it('sends numbers as numbers, leaves empty text out, and keeps what is not a number as typed', () => {
    if (!hardware) throw new Error('the fixture has Hardware_Fault');
    expect(toFields(hardware, { Serial_Number: 'GW100-4411', Incident_Date: '', Affected_Users: ' 12 ' })).toEqual({
      Serial_Number: 'GW100-4411',
      Affected_Users: 12,
    });
    expect(toFields(hardware, { Affected_Users: 'a dozen' })).toEqual({ Affected_Users: 'a dozen' });
  });

  it('drops a field hidden by its condition', () => {
    if (!access) throw new Error('the fixture has Access_Request');
    expect(toFields(access, { System_Name: 'vpn', Callback_Requested: false, Callback_Phone: '+49 30 1234567' })).toEqual({
      System_Name: 'vpn',
      Callback_Requested: false,
    });
    expect(toFields(access, { System_Name: 'vpn', Callback_Requested: true, Callback_Phone: '+49 30 1234567' })).toEqual({
      System_Name: 'vpn',
      Callback_Requested: true,
      Callback_Phone: '+49 30 1234567',
    });
  });
});
