import { useQuery } from '@tanstack/react-query';
import { useEffect, useRef, useState, type SubmitEvent } from 'react';
import { Link, useNavigate } from 'react-router';
import { isApiError, NetworkError } from '../../../api/errors';
import type { CasePriority } from '../../../api/types';
import { Alert } from '../../../components/Alert';
import { ErrorSummary, type SummaryItem } from '../../../components/ErrorSummary';
import { FormField } from '../../../components/FormField';
import { RequestId } from '../../../components/ProblemMessage';
import { RetryTime } from '../../../components/RetryTime';
import { t, tp } from '../../../i18n';
import { charCount } from '../../../lib/text';
import { uuidv4 } from '../../../lib/uuid';
import {
  DEFAULT_PRIORITY,
  DESCRIPTION_MAX,
  isNewCaseField,
  PRIORITIES,
  toNewCaseBody,
  useCreateCase,
  validateDescription,
  validateNewCase,
  validateSubject,
  type NewCaseErrors,
  type NewCaseField,
  type NewCaseForm as FormValues,
} from '../api/createCase';
import { formQuery, formsQuery } from '../forms/api';
import { formFieldId, SchemaForm } from '../forms/SchemaForm';
import { refusalMessage, refusals, toFields, type FormInput } from '../forms/validate';
import { clearDraft, loadDraft, saveDraft } from './newCaseDraft';

interface NewCaseFormProps {
  customerId: string;
  csrfToken: string;
}

const FIELD_IDS: Record<NewCaseField, string> = {
  subject: 'case-subject',
  description: 'case-description',
  priority: 'case-priority-low',
};

type FormProblem =
  | { kind: 'rateLimited'; retryAt: Date | undefined }
  | { kind: 'inFlight' }
  | { kind: 'conflict'; requestId: string | undefined }
  | { kind: 'failed'; requestId: string | undefined };

const EMPTY: FormValues = { subject: '', description: '', priority: DEFAULT_PRIORITY };

/** The id of the form picker (what the error summary links to for `form`). */
const PICKER_ID = 'case-form';

export function NewCaseForm({ customerId, csrfToken }: NewCaseFormProps) {
  const navigate = useNavigate();
  const createCase = useCreateCase(customerId);
  const [restored] = useState(() => loadDraft(customerId));
  const [values, setValues] = useState<FormValues>(() =>
    restored ? { subject: restored.subject, description: restored.description, priority: restored.priority } : EMPTY,
  );
  const [errors, setErrors] = useState<NewCaseErrors>({});
  const [problem, setProblem] = useState<FormProblem | null>(null);
  const [submitted, setSubmitted] = useState(false);
  const [announcedCount, setAnnouncedCount] = useState('');
  const summaryRef = useRef<HTMLDivElement>(null);
  const problemRef = useRef<HTMLDivElement>(null);
  // One Idempotency-Key per attempt; a retry of identical content reuses it.
  const attempt = useRef<{ key: string; fingerprint: string } | null>(null);
  const sending = useRef(false);
  const [focusRequest, setFocusRequest] = useState<{ target: 'summary' | 'problem'; seq: number } | null>(null);
  // A dynamic form (decision 029): none chosen is the plain form.
  const forms = useQuery(formsQuery(customerId));
  const [formName, setFormName] = useState(() => restored?.form ?? '');
  const [formInput, setFormInput] = useState<FormInput>(() => restored?.fields ?? {});
  const [formErrors, setFormErrors] = useState<Record<string, string | undefined>>({});
  const [pickerError, setPickerError] = useState<string | undefined>(undefined);
  const chosen = useQuery({ ...formQuery(customerId, formName), enabled: formName !== '' });
  const form = formName !== '' ? chosen.data : undefined;

  useEffect(() => {
    saveDraft(customerId, { ...values, form: formName, fields: formInput });
  }, [customerId, values, formName, formInput]);

  // Screen readers hear the counter once typing pauses, not on every key.
  const descriptionCount = charCount(values.description);
  const counterText =
    descriptionCount > DESCRIPTION_MAX
      ? tp('newCase.counterOver', descriptionCount - DESCRIPTION_MAX)
      : t('newCase.counter', { count: descriptionCount, max: DESCRIPTION_MAX });
  useEffect(() => {
    const timer = setTimeout(() => {
      setAnnouncedCount(counterText);
    }, 1200);
    return () => {
      clearTimeout(timer);
    };
  }, [counterText]);

  // After a failed submit, focus the error summary or the message so that it is read out.
  useEffect(() => {
    if (focusRequest?.target === 'summary') summaryRef.current?.focus();
    if (focusRequest?.target === 'problem') problemRef.current?.focus();
  }, [focusRequest]);

  function requestFocus(target: 'summary' | 'problem') {
    setFocusRequest((current) => ({ target, seq: (current?.seq ?? 0) + 1 }));
  }

  function update<K extends NewCaseField>(field: K, value: FormValues[K]) {
    setValues((current) => ({ ...current, [field]: value }));
    // Once the customer has tried to submit, re-check the field as they fix it.
    if (submitted && (field === 'subject' || field === 'description')) {
      const issue = field === 'subject' ? validateSubject(value) : validateDescription(value);
      setErrors((current) => ({ ...current, [field]: issue ? t(issue.key, issue.vars) : undefined }));
    }
  }

  /** The chosen form's messages for these values (none without a form). */
  function checkForm(input: FormInput): Record<string, string> {
    if (!form) return {};
    const found = refusals(form, toFields(form, input));
    return Object.fromEntries(Object.entries(found).map(([name, refusal]) => [name, refusalMessage(form, name, refusal)]));
  }

  function updateForm(name: string, value: string | boolean) {
    const next = { ...formInput, [name]: value };
    setFormInput(next);
    if (submitted) setFormErrors(checkForm(next));
  }

  function chooseForm(name: string) {
    setFormName(name);
    setFormInput({});
    setFormErrors({});
    setPickerError(undefined);
  }

  function onSubmit(event: SubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    if (sending.current) return;
    setSubmitted(true);
    setProblem(null);

    const issues = validateNewCase(values);
    const clientErrors: NewCaseErrors = {};
    for (const [field, issue] of Object.entries(issues)) {
      if (isNewCaseField(field)) clientErrors[field] = t(issue.key, issue.vars);
    }
    setErrors(clientErrors);
    const clientFormErrors = checkForm(formInput);
    setFormErrors(clientFormErrors);
    const formMissing = formName !== '' && !form;
    setPickerError(formMissing ? t('forms.loadFailed') : undefined);
    if (Object.keys(clientErrors).length > 0 || Object.keys(clientFormErrors).length > 0 || formMissing) {
      requestFocus('summary');
      return;
    }

    const body = form
      ? { ...toNewCaseBody(values), form: form.name, fields: toFields(form, formInput) }
      : toNewCaseBody(values);
    const fingerprint = JSON.stringify(body);
    if (attempt.current?.fingerprint !== fingerprint) attempt.current = { key: uuidv4(), fingerprint };
    const idempotencyKey = attempt.current.key;

    sending.current = true;
    createCase.mutate(
      { body, idempotencyKey, csrfToken },
      {
        onSuccess: (created) => {
          clearDraft(customerId);
          attempt.current = null;
          void navigate(`/cases/${encodeURIComponent(created.id)}`, { state: { createdCaseNumber: created.case_number } });
        },
        onError: (error) => {
          if (isApiError(error, 401)) return; // The app sends the customer to sign-in; the draft is saved.
          if (isApiError(error, 422) && error.problem.errors.length > 0) {
            const serverErrors: NewCaseErrors = {};
            const serverFormErrors: Record<string, string> = {};
            let serverPickerError: string | undefined;
            const other: string[] = [];
            for (const { field, message } of error.problem.errors) {
              if (isNewCaseField(field)) serverErrors[field] ??= message;
              else if (field.startsWith('fields.') && form?.ui.fields[field.slice(7)]) serverFormErrors[field.slice(7)] ??= message;
              else if (field === 'form' || field === 'fields') serverPickerError ??= message;
              else other.push(message);
            }
            setErrors(serverErrors);
            setFormErrors(serverFormErrors);
            setPickerError(serverPickerError);
            const named =
              Object.keys(serverErrors).length + Object.keys(serverFormErrors).length + (serverPickerError ? 1 : 0);
            if (other.length > 0 || named === 0) {
              setProblem({ kind: 'failed', requestId: error.requestId });
            }
            requestFocus(named > 0 ? 'summary' : 'problem');
            return;
          }
          if (isApiError(error, 422)) {
            // The key was used before with other content: start a fresh attempt next time.
            attempt.current = null;
            setProblem({ kind: 'conflict', requestId: error.requestId });
          } else if (isApiError(error, 429)) {
            setProblem({ kind: 'rateLimited', retryAt: error.retryAt });
          } else if (isApiError(error, 409)) {
            setProblem({ kind: 'inFlight' });
          } else {
            setProblem({
              kind: 'failed',
              requestId: error instanceof NetworkError || !isApiError(error) ? undefined : error.requestId,
            });
          }
          requestFocus('problem');
        },
        onSettled: () => {
          sending.current = false;
        },
      },
    );
  }

  const plainItems: SummaryItem[] = (Object.keys(FIELD_IDS) as NewCaseField[]).flatMap((field) => {
    const message = errors[field];
    return message ? [{ fieldId: FIELD_IDS[field], message }] : [];
  });
  const formItems: SummaryItem[] = form
    ? form.ui.order.flatMap((name) => {
        const message = formErrors[name];
        const label = form.ui.fields[name]?.label ?? name;
        // Beside its field a message needs no name; in the summary it does.
        return message ? [{ fieldId: formFieldId(name), message: t('forms.summaryItem', { label, message }) }] : [];
      })
    : [];
  const summaryItems: SummaryItem[] = [
    ...(pickerError ? [{ fieldId: PICKER_ID, message: pickerError }] : []),
    ...plainItems.slice(0, 2),
    ...formItems,
    ...plainItems.slice(2),
  ];
  const available = forms.data ?? [];
  const pending = createCase.isPending;

  return (
    <form className="form new-case-form" noValidate onSubmit={onSubmit} aria-busy={pending}>
      {restored ? <Alert tone="info">{t('newCase.draftRestored')}</Alert> : null}
      {summaryItems.length > 0 ? <ErrorSummary ref={summaryRef} items={summaryItems} /> : null}
      {problem ? (
        <div ref={problemRef} tabIndex={-1} className="form__problem">
          <ProblemAlert problem={problem} />
        </div>
      ) : null}

      {available.length > 0 ? (
        <FormField id={PICKER_ID} label={t('forms.picker')} hint={t('forms.pickerHint')} error={pickerError}>
          {(control) => (
            <select
              {...control}
              name="form"
              value={formName}
              onChange={(event) => {
                chooseForm(event.target.value);
              }}
            >
              <option value="">{t('forms.pickerNone')}</option>
              {available.map((summary) => (
                <option key={summary.name} value={summary.name}>
                  {summary.label}
                </option>
              ))}
            </select>
          )}
        </FormField>
      ) : null}

      <FormField id={FIELD_IDS.subject} label={t('newCase.subject')} hint={t('newCase.subjectHint')} error={errors.subject}>
        {(control) => (
          <input
            dir="auto"
            {...control}
            type="text"
            name="subject"
            autoComplete="off"
            spellCheck
            value={values.subject}
            onChange={(event) => {
              update('subject', event.target.value);
            }}
          />
        )}
      </FormField>

      <FormField
        id={FIELD_IDS.description}
        label={t('newCase.description')}
        hint={t('newCase.descriptionHint')}
        error={errors.description}
        footerId="case-description-counter"
        footer={
          <>
            <p
              id="case-description-counter"
              className={`counter${descriptionCount > DESCRIPTION_MAX ? ' counter--over' : ''}`}
            >
              {counterText}
            </p>
            <p className="visually-hidden" aria-live="polite">
              {announcedCount}
            </p>
          </>
        }
      >
        {(control) => (
          <textarea
            dir="auto"
            {...control}
            name="description"
            rows={8}
            spellCheck
            value={values.description}
            onChange={(event) => {
              update('description', event.target.value);
            }}
          />
        )}
      </FormField>

      {formName !== '' && chosen.isPending ? (
        <p className="form-field__hint" role="status">
          {t('forms.loading')}
        </p>
      ) : null}
      {formName !== '' && chosen.isError ? <Alert tone="error">{t('forms.loadFailed')}</Alert> : null}
      {form ? <SchemaForm form={form} values={formInput} errors={formErrors} onChange={updateForm} /> : null}

      <fieldset className="form-field radio-group" aria-describedby="case-priority-hint">
        <legend className="form-field__label">{t('newCase.priority')}</legend>
        <p id="case-priority-hint" className="form-field__hint">
          {t('newCase.priorityHint')}
        </p>
        {errors.priority ? <p className="form-field__error">{errors.priority}</p> : null}
        {PRIORITIES.map((priority: CasePriority) => (
          <div className="radio" key={priority}>
            <input
              id={`case-priority-${priority}`}
              type="radio"
              name="priority"
              value={priority}
              checked={values.priority === priority}
              onChange={() => {
                update('priority', priority);
              }}
            />
            <label htmlFor={`case-priority-${priority}`}>{t(`newCase.priority.${priority}`)}</label>
          </div>
        ))}
      </fieldset>

      <div className="form__actions">
        <button type="submit" className="button button--primary" disabled={pending}>
          {pending ? t('newCase.submitting') : t('newCase.submit')}
        </button>
        <Link
          to="/cases"
          className="button button--link"
          onClick={() => {
            clearDraft(customerId);
          }}
        >
          {t('newCase.cancel')}
        </Link>
      </div>
    </form>
  );
}

function ProblemAlert({ problem }: { problem: FormProblem }) {
  switch (problem.kind) {
    case 'rateLimited':
      return (
        <Alert tone="warning">
          {problem.retryAt ? (
            <p>
              <RetryTime at={problem.retryAt} template="newCase.rateLimited" />
            </p>
          ) : (
            <p>{t('newCase.rateLimitedUnknown')}</p>
          )}
        </Alert>
      );
    case 'inFlight':
      return (
        <Alert tone="warning">
          <p>{t('newCase.inFlight')}</p>
        </Alert>
      );
    case 'conflict':
      return (
        <Alert tone="error">
          <p>{t('newCase.conflict')}</p>
          {problem.requestId ? <RequestId id={problem.requestId} /> : null}
        </Alert>
      );
    case 'failed':
      return (
        <Alert tone="error">
          <p>{t('newCase.failed')}</p>
          {problem.requestId ? <RequestId id={problem.requestId} /> : null}
        </Alert>
      );
  }
}
