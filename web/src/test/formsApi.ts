import { http, HttpResponse } from 'msw';
import type { FormDetail } from '../api/types';
import forms from '../features/cases/forms/fixtures/forms.json';
import { mockApi, problem } from './server';

/**
 * The dynamic case forms as the server serves them (the fixture backend/tests/forms.rs keeps
 * in sync), installed by the tests that need them with `server.use(...formHandlers())`.
 */
export const servedForms = forms as unknown as Record<string, FormDetail>;

export function formHandlers() {
  return [
    http.get('/customer/:customerId/forms', () => {
      if (!mockApi.session) return problem(401, 'Not signed in');
      return HttpResponse.json({
        items: Object.values(servedForms).map(({ name, label, case_type, description }) => ({ name, label, case_type, description })),
      });
    }),
    http.get('/customer/:customerId/forms/:form', ({ params }) => {
      if (!mockApi.session) return problem(401, 'Not signed in');
      const form = servedForms[String(params.form)];
      return form ? HttpResponse.json(form) : problem(404, 'Not found');
    }),
  ];
}
