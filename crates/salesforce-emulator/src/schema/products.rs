//! The catalog and sales objects of the product extension (issue 15): products, price books
//! and their entries, what accounts own (Asset), and where a customer's interest (Lead or
//! Opportunity) and a dismissed recommendation are written, with the portal's external ids.

use super::{FieldDef, FieldType, ObjectDef, S80, S255, audit_fields, f, reference, required, ro};

pub const PRODUCT_FAMILY: &[&str] = &["Hardware", "Software", "Services", "Support"];
pub const ASSET_STATUS: &[&str] = &[
    "Purchased",
    "Shipped",
    "Installed",
    "Registered",
    "Obsolete",
];
pub const LEAD_STATUS: &[&str] = &[
    "Open - Not Contacted",
    "Working - Contacted",
    "Closed - Converted",
    "Closed - Not Converted",
];
pub const LEAD_SOURCE: &[&str] = &["Web", "Phone Inquiry", "Partner Referral", "Other"];
pub const OPPORTUNITY_STAGE: &[&str] = &[
    "Prospecting",
    "Qualification",
    "Needs Analysis",
    "Proposal/Price Quote",
    "Closed Won",
    "Closed Lost",
];

fn external(name: &'static str) -> FieldDef {
    FieldDef {
        external_id: true,
        ..f(name, S255)
    }
}

pub fn objects() -> Vec<ObjectDef> {
    let mut product = vec![
        ro("Id", FieldType::Id),
        required(f("Name", S255)),
        f("ProductCode", S255),
        f("Description", FieldType::TextArea { max_len: 4000 }),
        f("Family", FieldType::Picklist(PRODUCT_FAMILY)),
        f("IsActive", FieldType::Boolean),
    ];
    product.extend(audit_fields());

    let mut pricebook = vec![
        ro("Id", FieldType::Id),
        required(f("Name", S255)),
        f("IsActive", FieldType::Boolean),
        ro("IsStandard", FieldType::Boolean),
    ];
    pricebook.extend(audit_fields());

    let mut entry = vec![
        ro("Id", FieldType::Id),
        required(f("Pricebook2Id", reference("Pricebook2", "Pricebook2"))),
        required(f("Product2Id", reference("Product2", "Product2"))),
        required(f("UnitPrice", FieldType::Double)),
        f("IsActive", FieldType::Boolean),
        f("UseStandardPrice", FieldType::Boolean),
    ];
    entry.extend(audit_fields());

    let mut asset = vec![
        ro("Id", FieldType::Id),
        required(f("Name", S255)),
        f("AccountId", reference("Account", "Account")),
        f("ContactId", reference("Contact", "Contact")),
        f("Product2Id", reference("Product2", "Product2")),
        f("SerialNumber", S80),
        f("InstallDate", FieldType::Date),
        f("Status", FieldType::Picklist(ASSET_STATUS)),
        f("Quantity", FieldType::Double),
    ];
    asset.extend(audit_fields());

    let mut lead = vec![
        ro("Id", FieldType::Id),
        f("FirstName", FieldType::String { max_len: 40 }),
        required(f("LastName", S80)),
        required(f("Company", S255)),
        f("Email", S80),
        f("Status", FieldType::Picklist(LEAD_STATUS)),
        f("LeadSource", FieldType::Picklist(LEAD_SOURCE)),
        f("Description", FieldType::TextArea { max_len: 32000 }),
        // The portal's external id: one interest per customer and product.
        external("Portal_Interest_Key__c"),
    ];
    lead.extend(audit_fields());

    let mut opportunity = vec![
        ro("Id", FieldType::Id),
        required(f("Name", FieldType::String { max_len: 120 })),
        f("AccountId", reference("Account", "Account")),
        required(f("StageName", FieldType::Picklist(OPPORTUNITY_STAGE))),
        required(f("CloseDate", FieldType::Date)),
        f("LeadSource", FieldType::Picklist(LEAD_SOURCE)),
        f("Description", FieldType::TextArea { max_len: 32000 }),
        external("Portal_Interest_Key__c"),
    ];
    opportunity.extend(audit_fields());

    // A custom object: one row per customer and product whose recommendation the customer
    // dismissed (or dismissed and brought back: `Is_Dismissed__c` false).
    let mut dismissal = vec![
        ro("Id", FieldType::Id),
        required(f("Account__c", reference("Account", "Account__r"))),
        required(f("Product__c", reference("Product2", "Product__r"))),
        f("Is_Dismissed__c", FieldType::Boolean),
        f("Dismissed_By__c", reference("Contact", "Dismissed_By__r")),
        external("Portal_Dismissal_Key__c"),
    ];
    dismissal.extend(audit_fields());

    vec![
        ObjectDef {
            name: "Product2",
            key_prefix: "01t",
            fields: product,
        },
        ObjectDef {
            name: "Pricebook2",
            key_prefix: "01s",
            fields: pricebook,
        },
        ObjectDef {
            name: "PricebookEntry",
            key_prefix: "01u",
            fields: entry,
        },
        ObjectDef {
            name: "Asset",
            key_prefix: "02i",
            fields: asset,
        },
        ObjectDef {
            name: "Lead",
            key_prefix: "00Q",
            fields: lead,
        },
        ObjectDef {
            name: "Opportunity",
            key_prefix: "006",
            fields: opportunity,
        },
        ObjectDef {
            name: "Portal_Recommendation_Dismissal__c",
            key_prefix: "a0D",
            fields: dismissal,
        },
    ]
}
