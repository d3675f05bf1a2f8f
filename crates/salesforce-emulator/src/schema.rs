//! The emulated org's objects and fields: what the fixtures hold, plus the portal's external id
//! field on Case. Field names are matched case-insensitively, as Salesforce does.

mod activities;
pub mod forms;
mod products;
mod profile;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    Id,
    /// A lookup; `relationship` is the name used in dotted paths (`Account.Name`).
    Reference {
        target: &'static str,
        relationship: &'static str,
    },
    String {
        max_len: usize,
    },
    TextArea {
        max_len: usize,
    },
    Picklist(&'static [&'static str]),
    Boolean,
    Int,
    /// A number with decimals (Currency, Double): a JSON number on the wire.
    Double,
    DateTime,
    /// A calendar day, `YYYY-MM-DD` on the wire (Asset.InstallDate, Opportunity.CloseDate).
    Date,
    /// Binary content served at `/sobjects/{Type}/{Id}/{Field}`.
    Base64,
}

#[derive(Debug, Clone, Copy)]
pub struct FieldDef {
    pub name: &'static str,
    pub ty: FieldType,
    pub createable: bool,
    pub updateable: bool,
    pub required_on_create: bool,
    pub external_id: bool,
    /// Unique without being an external id (no upsert by it): a second record with the same
    /// value is refused with DUPLICATE_VALUE, as an org's Unique text field.
    pub unique: bool,
}

#[derive(Debug)]
pub struct ObjectDef {
    pub name: &'static str,
    pub key_prefix: &'static str,
    pub fields: Vec<FieldDef>,
}

impl FieldDef {
    /// Whether the field may point at records of several types (Salesforce's polymorphic
    /// lookups: a file's link or first location is an account, a case, ...).
    pub fn is_polymorphic(&self) -> bool {
        matches!(
            self.name,
            "LinkedEntityId" | "FirstPublishLocationId" | "WhoId" | "WhatId"
        )
    }
}

impl ObjectDef {
    pub fn field(&self, name: &str) -> Option<&FieldDef> {
        self.fields
            .iter()
            .find(|f| f.name.eq_ignore_ascii_case(name))
    }

    /// The field whose relationship name is `rel` (e.g. `Account` -> `AccountId`).
    pub fn relationship(&self, rel: &str) -> Option<(&FieldDef, &'static str)> {
        self.fields.iter().find_map(|f| match f.ty {
            FieldType::Reference {
                target,
                relationship,
            } if relationship.eq_ignore_ascii_case(rel) => Some((f, target)),
            _ => None,
        })
    }
}

pub const CASE_STATUS: &[&str] = &[
    "New",
    "Working",
    "Escalated",
    "Waiting on Customer",
    "On Hold",
    "Closed",
];
pub const CASE_PRIORITY: &[&str] = &["High", "Medium", "Low"];
pub const CASE_ORIGIN: &[&str] = &["Phone", "Email", "Web"];
pub const CASE_TYPE: &[&str] = &["Problem", "Question", "Feature Request"];
pub const PORTAL_ROLE: &[&str] = &["Member", "Manager"];
pub const LINK_VISIBILITY: &[&str] = &["AllUsers", "InternalUsers", "SharedUsers"];
pub const LINK_SHARE_TYPE: &[&str] = &["V", "C", "I"];

const fn f(name: &'static str, ty: FieldType) -> FieldDef {
    FieldDef {
        name,
        ty,
        createable: true,
        updateable: true,
        required_on_create: false,
        external_id: false,
        unique: false,
    }
}

/// Createable but not updateable (a file version's content, a link's ends).
const fn create_only(mut def: FieldDef) -> FieldDef {
    def.updateable = false;
    def
}

/// Updateable but not createable (as a file's title: files are created through a version).
const fn update_only(mut def: FieldDef) -> FieldDef {
    def.createable = false;
    def
}

const fn ro(name: &'static str, ty: FieldType) -> FieldDef {
    FieldDef {
        name,
        ty,
        createable: false,
        updateable: false,
        required_on_create: false,
        external_id: false,
        unique: false,
    }
}

const fn required(mut def: FieldDef) -> FieldDef {
    def.required_on_create = true;
    def
}

const fn reference(target: &'static str, relationship: &'static str) -> FieldType {
    FieldType::Reference {
        target,
        relationship,
    }
}

const S80: FieldType = FieldType::String { max_len: 80 };
const S255: FieldType = FieldType::String { max_len: 255 };

fn audit_fields() -> [FieldDef; 3] {
    [
        ro("CreatedDate", FieldType::DateTime),
        ro("LastModifiedDate", FieldType::DateTime),
        // Changed by every write, users' or the system's: what change detection filters on.
        ro("SystemModstamp", FieldType::DateTime),
    ]
}

pub fn objects() -> Vec<ObjectDef> {
    let mut account = vec![
        ro("Id", FieldType::Id),
        required(f("Name", S255)),
        f("AccountNumber", FieldType::String { max_len: 40 }),
        f("Industry", S255),
        f("Phone", FieldType::String { max_len: 40 }),
        f("Website", S255),
    ];
    account.extend(audit_fields());

    let mut contact = vec![
        ro("Id", FieldType::Id),
        f("AccountId", reference("Account", "Account")),
        f("FirstName", FieldType::String { max_len: 40 }),
        required(f("LastName", S80)),
        ro("Name", FieldType::String { max_len: 121 }),
        f("Email", FieldType::String { max_len: 80 }),
        f("Phone", FieldType::String { max_len: 40 }),
        // A custom field an org may add for portal usernames (`oidc.contact_field`).
        f("Portal_Username__c", S80),
        // The person's role in the portal (decision 031): Member or Manager.
        f("Portal_Role__c", FieldType::Picklist(PORTAL_ROLE)),
    ];
    contact.extend(profile::contact_fields());
    contact.extend(audit_fields());

    let mut case = vec![
        ro("Id", FieldType::Id),
        ro("CaseNumber", FieldType::String { max_len: 30 }),
        f("AccountId", reference("Account", "Account")),
        f("ContactId", reference("Contact", "Contact")),
        // Optional, as in a standard org (agents and email-to-case leave it empty).
        f("Subject", S255),
        f("Description", FieldType::TextArea { max_len: 32000 }),
        f("Status", FieldType::Picklist(CASE_STATUS)),
        f("Priority", FieldType::Picklist(CASE_PRIORITY)),
        f("Origin", FieldType::Picklist(CASE_ORIGIN)),
        f("Type", FieldType::Picklist(CASE_TYPE)),
        ro("IsClosed", FieldType::Boolean),
        ro("ClosedDate", FieldType::DateTime),
        FieldDef {
            external_id: true,
            ..f("Portal_Request_Id__c", S255)
        },
        // The customer's reason when they close a case in the portal (a long text area).
        f(
            "Portal_Close_Reason__c",
            FieldType::TextArea { max_len: 1000 },
        ),
    ];
    case.extend(forms::case_fields());
    case.extend(audit_fields());

    let mut document = vec![
        ro("Id", FieldType::Id),
        update_only(f("Title", S255)),
        ro("FileExtension", FieldType::String { max_len: 40 }),
        ro("FileType", FieldType::String { max_len: 20 }),
        ro("ContentSize", FieldType::Int),
        ro(
            "LatestPublishedVersionId",
            reference("ContentVersion", "LatestPublishedVersion"),
        ),
        ro("OwnerId", FieldType::Id),
    ];
    document.extend(audit_fields());

    // Created by an upload (`store/files.rs`): Title, PathOnClient, VersionData and
    // FirstPublishLocationId are what a client sends; the rest Salesforce derives.
    let version = vec![
        ro("Id", FieldType::Id),
        ro(
            "ContentDocumentId",
            reference("ContentDocument", "ContentDocument"),
        ),
        create_only(f("Title", S255)),
        create_only(required(f("PathOnClient", S255))),
        ro("FileExtension", FieldType::String { max_len: 40 }),
        ro("FileType", FieldType::String { max_len: 20 }),
        ro("ContentSize", FieldType::Int),
        ro("VersionNumber", FieldType::String { max_len: 20 }),
        ro("IsLatest", FieldType::Boolean),
        create_only(f("VersionData", FieldType::Base64)),
        // Polymorphic in Salesforce (any record that takes files); the portal links to cases.
        create_only(f(
            "FirstPublishLocationId",
            reference("Case", "FirstPublishLocation"),
        )),
        // The portal's external id on ContentVersion (`attachment_external_id_field`).
        FieldDef {
            external_id: true,
            ..create_only(f("Portal_Upload_Id__c", S255))
        },
        ro("CreatedById", FieldType::Id),
        ro("CreatedDate", FieldType::DateTime),
    ];

    let link = vec![
        ro("Id", FieldType::Id),
        create_only(required(f(
            "ContentDocumentId",
            reference("ContentDocument", "ContentDocument"),
        ))),
        // Polymorphic in Salesforce: an account's shared files, a case's attachments.
        create_only(required(f(
            "LinkedEntityId",
            reference("Account", "LinkedEntity"),
        ))),
        create_only(f("ShareType", FieldType::Picklist(LINK_SHARE_TYPE))),
        f("Visibility", FieldType::Picklist(LINK_VISIBILITY)),
        ro("SystemModstamp", FieldType::DateTime),
    ];

    let mut user = vec![
        ro("Id", FieldType::Id),
        f("FirstName", FieldType::String { max_len: 40 }),
        required(f("LastName", S80)),
        ro("Name", FieldType::String { max_len: 121 }),
    ];
    user.extend(audit_fields());

    // A comment on a case: published (the customer sees it) or internal. Its creator is the
    // user who wrote it (through the API: the integration user); creating one stamps its case.
    let mut comment = vec![
        ro("Id", FieldType::Id),
        required(FieldDef {
            updateable: false,
            ..f("ParentId", reference("Case", "Parent"))
        }),
        f("CommentBody", FieldType::TextArea { max_len: 4000 }),
        f("IsPublished", FieldType::Boolean),
        ro("CreatedById", reference("User", "CreatedBy")),
    ];
    comment.extend(audit_fields());

    // A case's team (decision 031): a contact member sees the case in the portal.
    let mut team_member = vec![
        ro("Id", FieldType::Id),
        create_only(required(f("ParentId", reference("Case", "Parent")))),
        // A user or a contact in Salesforce; the portal shares with contacts.
        create_only(required(f("MemberId", reference("Contact", "Member")))),
        f("TeamRoleId", FieldType::Id),
    ];
    team_member.extend(audit_fields());

    let mut objects = vec![
        ObjectDef {
            name: "CaseTeamMember",
            key_prefix: "0B6",
            fields: team_member,
        },
        ObjectDef {
            name: "User",
            key_prefix: "005",
            fields: user,
        },
        ObjectDef {
            name: "CaseComment",
            key_prefix: "00a",
            fields: comment,
        },
        ObjectDef {
            name: "Account",
            key_prefix: "001",
            fields: account,
        },
        ObjectDef {
            name: "Contact",
            key_prefix: "003",
            fields: contact,
        },
        ObjectDef {
            name: "Case",
            key_prefix: "500",
            fields: case,
        },
        ObjectDef {
            name: "ContentDocument",
            key_prefix: "069",
            fields: document,
        },
        ObjectDef {
            name: "ContentVersion",
            key_prefix: "068",
            fields: version,
        },
        ObjectDef {
            name: "ContentDocumentLink",
            key_prefix: "06A",
            fields: link,
        },
    ];
    objects.extend(products::objects());
    objects.extend(activities::objects());
    objects.extend(forms::objects());
    objects
}
