//! The portal's dynamic case forms (issue 15, decision 029): the Custom Metadata types they
//! are defined in, read-only through the API as in an org (`crate::rest` refuses writes to
//! `__mdt` types, `crate::rest::metadata_query_refusal` the SOQL they do not allow), and the
//! demo Case custom fields the forms write.

use super::{FieldDef, FieldType, ObjectDef, S80, S255, audit_fields, f, ro};

const NAME: FieldType = FieldType::String { max_len: 40 };

/// Whether `object` is a Custom Metadata type.
pub fn is_metadata(object: &str) -> bool {
    object.len() > 5 && object[object.len() - 5..].eq_ignore_ascii_case("__mdt")
}

pub fn objects() -> Vec<ObjectDef> {
    let mut form = vec![
        ro("Id", FieldType::Id),
        ro("DeveloperName", NAME),
        ro("MasterLabel", S80),
        ro("Case_Type__c", NAME),
        ro("Description__c", FieldType::TextArea { max_len: 1000 }),
        ro("Active__c", FieldType::Boolean),
        ro("Order__c", FieldType::Double),
    ];
    form.extend(audit_fields());

    let mut field = vec![
        ro("Id", FieldType::Id),
        ro("DeveloperName", NAME),
        ro("Form__c", NAME),
        ro("Field_Name__c", NAME),
        ro("Label__c", S255),
        ro("Api_Field__c", S80),
        ro("Type__c", NAME),
        ro("Required__c", FieldType::Boolean),
        ro("Min__c", FieldType::Double),
        ro("Max__c", FieldType::Double),
        ro("Max_Length__c", FieldType::Double),
        ro("Pattern__c", S255),
        ro("Options__c", FieldType::TextArea { max_len: 4000 }),
        ro("Help_Text__c", S255),
        ro("Order__c", FieldType::Double),
        ro("Visible_When_Field__c", NAME),
        ro("Visible_When_Value__c", S255),
    ];
    field.extend(audit_fields());

    vec![
        ObjectDef {
            name: "Portal_Form__mdt",
            key_prefix: "m00",
            fields: form,
        },
        ObjectDef {
            name: "Portal_Form_Field__mdt",
            key_prefix: "m01",
            fields: field,
        },
    ]
}

/// The Case custom fields the demo forms map to (what `describe/Case.json` of the fixtures
/// says of them too).
pub fn case_fields() -> Vec<FieldDef> {
    vec![
        f("Serial_Number__c", NAME),
        f("Incident_Date__c", FieldType::Date),
        f("Affected_Users__c", FieldType::Double),
        f("Symptoms__c", FieldType::TextArea { max_len: 2000 }),
        f("Invoice_Number__c", FieldType::String { max_len: 20 }),
        f("Category__c", NAME),
        f("Billing_Email__c", S80),
        f("System_Name__c", NAME),
        f("Callback_Requested__c", FieldType::Boolean),
        f("Callback_Phone__c", NAME),
    ]
}
