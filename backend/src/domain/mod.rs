//! Domain types: values parsed once at the edge and trusted everywhere after.

pub mod appointments;
pub mod attachment;
pub mod case;
pub mod case_status;
pub mod comment;
pub mod forms;
pub mod ics;
pub mod paging;
pub mod profile;
pub mod role;
pub mod text;
