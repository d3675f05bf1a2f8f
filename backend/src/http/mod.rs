//! Routes: HTTP in and out (extractors, DTO mapping, status codes). Business rules live in
//! `crate::services`; handlers only translate.

mod api_doc;
pub mod appointments;
pub mod attachments;
pub mod auth;
pub mod case_status;
pub mod cases;
pub mod comments;
mod cookies;
pub mod documents;
pub mod dto;
pub mod exports;
pub mod extract;
pub mod forms;
pub mod health;
pub mod middleware;
pub mod oidc;
mod openapi;
pub mod pages;
pub mod passwords;
pub mod products;
pub mod profile;
mod state;
pub mod web;

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue, Method, header};
use axum::response::Response;
use axum::routing::{get, post};
use tower::util::MapRequestLayer;
use tower::{Service, ServiceBuilder};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use utoipa::OpenApi;
use utoipa_swagger_ui::SwaggerUi;

use crate::app::App;
use crate::observability::request_id;

pub use api_doc::ApiDoc;
pub use state::{AppState, HttpState};

/// The application as one HTTP service, what [`router`] and [`with_middleware`] return.
pub trait HttpApp:
    Service<Request, Response = Response, Error = Infallible, Future: Send + 'static>
    + Clone
    + Send
    + Sync
    + 'static
{
}

impl<S> HttpApp for S where
    S: Service<Request, Response = Response, Error = Infallible, Future: Send + 'static>
        + Clone
        + Send
        + Sync
        + 'static
{
}

/// The complete application: routes, middleware and the web app.
pub fn router(app: Arc<App>) -> impl HttpApp {
    let state = HttpState::new(app);
    with_middleware(routes(state.clone()), state)
}

/// The application's routes, in two groups: the API routes, which go through the session
/// step ([`middleware::ApiLayer`]), and the rest (sign-in methods, probes, API docs, web app).
pub struct Routes {
    pub api: Router,
    pub public: Router,
}

/// Every route of the application.
fn routes(state: AppState) -> Routes {
    let api = Router::new()
        .route("/auth/login", post(auth::login))
        .route("/auth/session", get(auth::session))
        .route("/auth/logout", post(auth::logout))
        .route("/auth/password", post(passwords::change))
        .route("/auth/password/forgot", post(passwords::forgot))
        .route("/auth/password/reset", post(passwords::reset))
        .route(
            "/customer/{customer_id}/cases",
            get(cases::list).post(cases::create),
        )
        .route("/customer/{customer_id}/cases/{case_id}", get(cases::get))
        .route(
            "/customer/{customer_id}/cases/{case_id}/comments",
            get(comments::list).post(comments::create),
        )
        .route(
            "/customer/{customer_id}/cases/{case_id}/close",
            post(case_status::close),
        )
        .route(
            "/customer/{customer_id}/cases/{case_id}/reopen",
            post(case_status::reopen),
        )
        .route(
            "/customer/{customer_id}/cases/{case_id}/attachments",
            // The body limit is the upload's own (`middleware::BodyLimitLayer`), checked while
            // the file streams to disk, not axum's default for buffered bodies.
            get(attachments::list)
                .post(attachments::upload)
                .layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .route(
            "/customer/{customer_id}/cases/{case_id}/attachments/{attachment_id}/download",
            get(attachments::download),
        )
        .route("/customer/{customer_id}/forms", get(forms::list))
        .route("/customer/{customer_id}/forms/{form}", get(forms::get))
        .route("/customer/{customer_id}/products", get(products::owned))
        .route(
            "/customer/{customer_id}/profile",
            get(profile::get).patch(profile::update),
        )
        .route(
            "/customer/{customer_id}/recommendations",
            get(products::recommendations),
        )
        .route(
            "/customer/{customer_id}/recommendations/{product_id}/interest",
            post(products::interest),
        )
        .route(
            "/customer/{customer_id}/recommendations/{product_id}/dismiss",
            post(products::dismiss).delete(products::undismiss),
        )
        .route(
            "/customer/{customer_id}/appointments",
            get(appointments::list).post(appointments::book),
        )
        .route(
            "/customer/{customer_id}/appointments/topics",
            get(appointments::topics),
        )
        .route(
            "/customer/{customer_id}/appointments/slots",
            get(appointments::slots),
        )
        .route(
            "/customer/{customer_id}/appointments/{appointment_id}/cancel",
            post(appointments::cancel),
        )
        .route(
            "/customer/{customer_id}/appointments/{appointment_id}/reschedule",
            post(appointments::reschedule),
        )
        .route(
            "/customer/{customer_id}/appointments/{appointment_id}/calendar.ics",
            get(appointments::calendar),
        )
        .route("/customer/{customer_id}/exports", post(exports::start))
        .route(
            "/customer/{customer_id}/exports/{export_id}",
            get(exports::status),
        )
        .route(
            "/customer/{customer_id}/exports/{export_id}/download",
            get(exports::download),
        )
        .route("/customer/{customer_id}/documents", get(documents::list))
        .route(
            "/customer/{customer_id}/documents/{document_id}/download",
            get(documents::download),
        )
        .route("/downloads/{document_id}", get(documents::serve))
        .with_state(state.clone());
    let public = Router::new()
        .route("/auth/methods", get(oidc::methods))
        .route("/auth/oidc/login", get(oidc::login))
        .route("/auth/oidc/callback", get(oidc::callback))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(health::metrics))
        .merge(SwaggerUi::new("/docs").url("/openapi.json", ApiDoc::openapi()))
        .fallback(web::fallback)
        .with_state(state);
    Routes { api, public }
}

/// The application's middleware around `routes`, outermost first: request ids, `respond`
/// (the request span, metrics, security headers, problem rendering, the closing log line),
/// the request id copied onto the
/// response, CORS, bounds on the path and query string, timeout, body limit, and
/// innermost the panic catcher, so that a panicking handler still gets a problem response
/// with the request id, the security headers, CORS headers, and an in-flight gauge that goes
/// back down. Then the per-route steps: the route slot on every route, `ApiLayer` (sessions)
/// on the API routes.
///
/// The layers wrap the router once, as one statically typed service, rather than through
/// `Router::layer`: that applies each layer to every route separately and boxes the route
/// again at each layer, so every request cloned a chain of a dozen boxed services. Cloning
/// this stack (once per request) copies a few `Arc`s and plain values. The route template for
/// metrics is therefore learnt after routing ([`middleware::remember_route`] fills the slot
/// that `respond` put in the request).
pub fn with_middleware(routes: Routes, state: AppState) -> impl HttpApp {
    // Every route fills the slot `respond` leaves in the request; the API routes also get the
    // session step. One `route_layer` for each group: each boxes every route once more, and a
    // request clones the whole chain of boxes under the route it takes.
    // (`route_layer` refuses a router without routes.)
    let Routes {
        mut api,
        mut public,
    } = routes;
    if api.has_routes() {
        api = api.route_layer(
            ServiceBuilder::new()
                .map_request(middleware::remember_route)
                .layer(middleware::ApiLayer::new(state.clone())),
        );
    }
    if public.has_routes() {
        public = public.route_layer(MapRequestLayer::new(middleware::remember_route));
    }
    let routes = public.merge(api);
    let config = &state.config;
    let cors = (!config.http.cors_allowed_origins.is_empty()).then(|| {
        let origins: Arc<[HeaderValue]> = config
            .http
            .cors_allowed_origins
            .iter()
            .filter_map(|o| HeaderValue::from_str(o).ok())
            .collect();
        // A predicate over shared origins: the layer is cloned with the stack on every request.
        CorsLayer::new()
            .allow_origin(AllowOrigin::predicate(move |origin, _| {
                origins.contains(origin)
            }))
            .allow_credentials(true)
            .allow_methods([Method::GET, Method::POST])
            .allow_headers([
                header::CONTENT_TYPE,
                HeaderName::from_static("x-csrf-token"),
                HeaderName::from_static("idempotency-key"),
                HeaderName::from_static("x-request-id"),
            ])
            .expose_headers([
                header::LOCATION,
                header::RETRY_AFTER,
                header::AGE,
                HeaderName::from_static("x-request-id"),
                HeaderName::from_static("x-data-stale"),
                HeaderName::from_static("idempotent-replayed"),
                HeaderName::from_static("ratelimit"),
                HeaderName::from_static("ratelimit-policy"),
            ])
    });
    let security_headers: middleware::SecurityHeaders =
        middleware::security_headers(config.is_https()).into();

    // Served as it is: wrapped in a `Router` (as a fallback service) it would be boxed, and
    // cloned and its future boxed on every request.
    ServiceBuilder::new()
        .map_request(request_id::sanitise::<axum::body::Body>)
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .layer(middleware::RespondLayer::new(
            state.clone(),
            security_headers,
            middleware::AccessLine(config.log.access),
        ))
        // Inside `respond`, which reads the id from the response when it writes a problem.
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(option_layer(cors))
        // Inside CORS, so a cross-origin client can read the refusal.
        .layer(middleware::BoundsLayer)
        .layer(middleware::TimeoutLayer::new(Duration::from_secs(
            config.http.request_timeout_secs,
        )))
        .layer(middleware::BodyLimitLayer::new(
            config.http.body_limit_bytes,
            middleware::upload_body_limit(config.attachments.max_bytes),
        ))
        .layer(CatchPanicLayer::custom(middleware::panic_response))
        .service(routes)
}

fn option_layer<L>(layer: Option<L>) -> tower::util::Either<L, tower::layer::util::Identity> {
    match layer {
        Some(layer) => tower::util::Either::Left(layer),
        None => tower::util::Either::Right(tower::layer::util::Identity::new()),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use axum::routing::get;
    use axum::{Router, ServiceExt};
    use serde_json::Value;

    use super::{AppState, HttpState, with_middleware};
    use crate::app::App;
    use crate::config::{Config, Secret};
    use crate::observability::telemetry::captured::CapturedLogs;

    async fn state(data_dir: &std::path::Path) -> AppState {
        let mocks = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("mocks");
        let mut config = Config {
            data_dir: data_dir.to_owned(),
            web_dir: data_dir.join("no-web-app"),
            ..Config::default()
        };
        config.mock.fixtures_dir = mocks.join("salesforce");
        config.mock.local_accounts_file = mocks.join("local_accounts.json");
        config.auth.secret_key = Some(Secret::new("unit-test-secret-key-long-enough-0123456789"));
        HttpState::new(Arc::new(App::build(config).await.expect("app")))
    }

    /// The real middleware stack, served over HTTP, around a route that panics: the panic
    /// becomes a 500 problem with the request id and every header the other layers add, the
    /// in-flight gauge goes back to zero, and the log names the request.
    #[tokio::test]
    async fn a_panicking_handler_gets_a_problem_response_from_every_layer() {
        let logs = CapturedLogs::default();
        let subscriber = logs.subscriber();
        // The runtime of this test is single-threaded: the server logs on this thread.
        let _logging = tracing::subscriber::set_default(subscriber);

        let data = tempfile::tempdir().unwrap();
        let state = state(data.path()).await;
        let public = Router::new().route(
            "/boom",
            get(|| async {
                if true {
                    panic!("internal detail 7f3a");
                }
                "unreachable"
            }),
        );
        let routes = super::Routes {
            api: Router::new(),
            public,
        };
        let app = with_middleware(routes, state.clone());
        logs.recheck_call_sites();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app.into_make_service()).await });

        let response = reqwest::Client::new()
            .get(format!("http://{addr}/boom"))
            .header("x-request-id", "panic-test-0001")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 500);
        let headers = response.headers().clone();
        assert_eq!(headers["content-type"], "application/problem+json");
        assert_eq!(headers["x-request-id"], "panic-test-0001");
        assert_eq!(headers["x-content-type-options"], "nosniff");
        assert_eq!(headers["cache-control"], "no-store");
        assert!(
            headers["content-security-policy"]
                .to_str()
                .unwrap()
                .contains("frame-ancestors 'none'")
        );
        let text = response.text().await.unwrap();
        assert!(
            !text.contains("7f3a"),
            "the panic message stays inside: {text}"
        );
        let body: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(body["type"], "/problems/internal");
        assert_eq!(body["status"], 500);
        assert_eq!(body["request_id"], "panic-test-0001");
        assert!(body["detail"].is_string());

        assert_eq!(
            state.metrics.http_in_flight.get(),
            0,
            "the in-flight gauge went back down"
        );
        let metrics = state.metrics.render();
        assert!(
            metrics.contains(
                r#"portal_http_requests_total{route="/boom",method="GET",status="500"} 1"#
            ),
            "the panic is counted against its route: {metrics}"
        );
        let panic_line = logs.find("request handler panicked");
        assert_eq!(panic_line["level"], "ERROR");
        assert_eq!(panic_line["span"]["request_id"], "panic-test-0001");
        assert_eq!(panic_line["panic"], "internal detail 7f3a");

        // The request's closing line: at error for a 5xx, under its own target, in the span.
        let closing = logs.find("finished processing request");
        assert_eq!(closing["level"], "ERROR");
        assert_eq!(closing["target"], "access_log");
        assert_eq!(closing["status"], 500);
        assert!(closing["latency_ms"].as_f64().is_some_and(|ms| ms >= 0.0));
        assert_eq!(closing["span"]["request_id"], "panic-test-0001");
        assert_eq!(closing["span"]["path"], "/boom");
        assert_eq!(closing["span"]["method"], "GET");
    }
}
