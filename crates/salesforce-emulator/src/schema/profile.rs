//! The portal's profile fields on Contact (issue 14): the preferred language (a picklist of
//! the languages the portal speaks), the IANA time zone, and the notification preferences
//! (checkboxes). Fixtures may leave them out: a missing value reads as null.

use super::{FieldDef, FieldType, f};

pub const PORTAL_LANGUAGE: &[&str] = &["en", "de", "fr", "es", "ar"];

pub fn contact_fields() -> Vec<FieldDef> {
    vec![
        f("Portal_Language__c", FieldType::Picklist(PORTAL_LANGUAGE)),
        f("Portal_Time_Zone__c", FieldType::String { max_len: 40 }),
        f("Portal_Notify_Reply__c", FieldType::Boolean),
        f("Portal_Notify_Status__c", FieldType::Boolean),
    ]
}
