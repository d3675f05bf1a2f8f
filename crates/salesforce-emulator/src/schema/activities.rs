//! Activities of the appointment extension (issue 15, decision 028): the Event, with the
//! portal's custom fields. `AccountId` is derived (store.rs `derive_event`), `WhoId` and
//! `WhatId` are polymorphic, and the slot key is Unique: a second booking of an owner's slot is
//! refused with DUPLICATE_VALUE, as an org refuses it.

use super::{FieldDef, FieldType, ObjectDef, S80, S255, audit_fields, f, reference, required, ro};

pub const SHOW_AS: &[&str] = &["Busy", "OutOfOffice", "Free"];
pub const PORTAL_STATUS: &[&str] = &["Booked", "Cancelled"];

pub fn objects() -> Vec<ObjectDef> {
    let mut event = vec![
        ro("Id", FieldType::Id),
        f("Subject", S255),
        required(f("StartDateTime", FieldType::DateTime)),
        f("EndDateTime", FieldType::DateTime),
        f("DurationInMinutes", FieldType::Int),
        f("IsAllDayEvent", FieldType::Boolean),
        ro("ActivityDate", FieldType::Date),
        f("OwnerId", reference("User", "Owner")),
        // Polymorphic: a contact or a lead.
        f("WhoId", reference("Contact", "Who")),
        // Polymorphic: an account, a case, an opportunity...
        f("WhatId", reference("Account", "What")),
        ro("AccountId", reference("Account", "Account")),
        f("ShowAs", FieldType::Picklist(SHOW_AS)),
        f("Description", FieldType::TextArea { max_len: 32000 }),
        f("Location", S255),
        // The portal's booking: found again by its key (Idempotency-Key), one per owner's slot.
        FieldDef {
            external_id: true,
            ..f("Portal_Booking_Key__c", S80)
        },
        FieldDef {
            unique: true,
            ..f("Portal_Slot_Key__c", S80)
        },
        f("Portal_Topic__c", FieldType::String { max_len: 40 }),
        f("Portal_Status__c", FieldType::Picklist(PORTAL_STATUS)),
        f("Portal_Sequence__c", FieldType::Int),
    ];
    event.extend(audit_fields());
    vec![ObjectDef {
        name: "Event",
        key_prefix: "00U",
        fields: event,
    }]
}
