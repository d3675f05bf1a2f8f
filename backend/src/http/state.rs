//! The state every handler and middleware step gets.

use std::sync::Arc;

use super::dto::requests::{CaseListQuery, DocumentListQuery};
use crate::app::App;
use crate::read_path::PageMemo;

/// What every handler and middleware step gets: the application, and the HTTP layer's own kept
/// pages. Derefs to the [`App`], so handlers reach its services directly (`state.cases`).
pub type AppState = Arc<HttpState>;

pub struct HttpState {
    app: Arc<App>,
    /// Rendered case list pages, kept while the customer's data is unchanged.
    pub case_pages: PageMemo<CaseListQuery>,
    /// Rendered document list pages.
    pub document_pages: PageMemo<DocumentListQuery>,
}

impl HttpState {
    pub fn new(app: Arc<App>) -> AppState {
        Arc::new(Self {
            case_pages: app.reads.page_memo(),
            document_pages: app.reads.page_memo(),
            app,
        })
    }
}

impl std::ops::Deref for HttpState {
    type Target = App;

    fn deref(&self) -> &App {
        &self.app
    }
}
