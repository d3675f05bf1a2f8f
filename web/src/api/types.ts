import type { paths } from './schema';

/**
 * Names for the generated API types, derived from the operations rather than from schema
 * names so that a rename of a server-side struct does not ripple through the app.
 */
type JsonOf<T> = T extends { content: { 'application/json': infer B } } ? B : never;

export type Session = JsonOf<paths['/auth/session']['get']['responses'][200]>;
export type AuthMethods = JsonOf<paths['/auth/methods']['get']['responses'][200]>;
export type LoginBody = NonNullable<paths['/auth/login']['post']['requestBody']>['content']['application/json'];

export type DocumentPage = JsonOf<paths['/customer/{customer_id}/documents']['get']['responses'][200]>;
export type PortalDocument = DocumentPage['items'][number];
export type DocumentQuery = NonNullable<paths['/customer/{customer_id}/documents']['get']['parameters']['query']>;

export type CasePage = JsonOf<paths['/customer/{customer_id}/cases']['get']['responses'][200]>;
export type Case = CasePage['items'][number];
/** One case with what its conversation says (count, last activity, last actor). */
export type CaseDetail = JsonOf<paths['/customer/{customer_id}/cases/{case_id}']['get']['responses'][200]>;
export type CommentPage = JsonOf<paths['/customer/{customer_id}/cases/{case_id}/comments']['get']['responses'][200]>;
export type CaseComment = CommentPage['items'][number];
export type NewCommentBody = NonNullable<
  paths['/customer/{customer_id}/cases/{case_id}/comments']['post']['requestBody']
>['content']['application/json'];
export type CaseQuery = NonNullable<paths['/customer/{customer_id}/cases']['get']['parameters']['query']>;
export type NewCaseBody = NonNullable<paths['/customer/{customer_id}/cases']['post']['requestBody']>['content']['application/json'];
export type CaseStatus = Case['status'];
export type CasePriority = Case['priority'];

export type AttachmentPage = JsonOf<paths['/customer/{customer_id}/cases/{case_id}/attachments']['get']['responses'][200]>;
export type Attachment = AttachmentPage['items'][number];

export type OwnedProductPage = JsonOf<paths['/customer/{customer_id}/products']['get']['responses'][200]>;
export type OwnedProduct = OwnedProductPage['items'][number];
export type RecommendationList = JsonOf<paths['/customer/{customer_id}/recommendations']['get']['responses'][200]>;
export type Recommendation = RecommendationList['items'][number];
export type CatalogProduct = Recommendation['product'];
export type ProductInterest = JsonOf<paths['/customer/{customer_id}/recommendations/{product_id}/interest']['post']['responses'][201]>;

export type AppointmentTopics = JsonOf<paths['/customer/{customer_id}/appointments/topics']['get']['responses'][200]>;
export type SlotList = JsonOf<paths['/customer/{customer_id}/appointments/slots']['get']['responses'][200]>;
export type AppointmentPage = JsonOf<paths['/customer/{customer_id}/appointments']['get']['responses'][200]>;
export type Appointment = AppointmentPage['items'][number];
export type FormList = JsonOf<paths['/customer/{customer_id}/forms']['get']['responses'][200]>;
export type FormSummary = FormList['items'][number];
/** A dynamic case form: its JSON Schema (2020-12) and UI hints (decision 029). */
export type FormDetail = JsonOf<paths['/customer/{customer_id}/forms/{form}']['get']['responses'][200]>;
export type FormFieldHint = FormDetail['ui']['fields'][string];

// Profile and passwords (issue 14, decision 032).
export type Profile = JsonOf<paths['/customer/{customer_id}/profile']['get']['responses'][200]>;
export type ProfilePatch = NonNullable<paths['/customer/{customer_id}/profile']['patch']['requestBody']>['content']['application/json'];
export type PasswordChangeBody = NonNullable<paths['/auth/password']['post']['requestBody']>['content']['application/json'];
/** A case export (issue 16): its state, cases read so far and, when complete, a download link. */
export type CaseExport = JsonOf<paths['/customer/{customer_id}/exports/{export_id}']['get']['responses'][200]>;
