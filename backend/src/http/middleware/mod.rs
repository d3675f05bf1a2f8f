//! The application's own middleware steps: the response step (request span, metrics, security
//! headers, problems, the access log line, the panic response: `respond`), the request timeout,
//! bounds on the request line (`bounds`), and sessions and CSRF on the API routes (`api`).

mod api;
mod body_limit;
mod bounds;
mod respond;
mod timeout;

pub use api::ApiLayer;
pub use body_limit::{BodyLimitLayer, upload_body_limit};
pub use bounds::BoundsLayer;
pub use respond::{
    AccessLine, RespondLayer, SecurityHeaders, panic_response, remember_language, remember_route,
    security_headers,
};
pub use timeout::TimeoutLayer;
