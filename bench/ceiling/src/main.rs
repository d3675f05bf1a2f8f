//! Minimal hyper HTTP/1.1 server: the ceiling the portal is compared with.
//!
//! `bench-ceiling ADDR PATH=DIR [PATH=DIR ...]`: a GET of PATH (query string ignored) answers
//! 200 with the headers in DIR/headers (one `name: value` a line) and the body in DIR/body,
//! both captured from the portal's response to the same request. Anything else: 404.
//! Same runtime as the portal (tokio multi-threaded, one worker per CPU) and the same hyper.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::header::{HeaderName, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

struct Canned {
    headers: Vec<(HeaderName, HeaderValue)>,
    body: Bytes,
}

fn load(dir: &str) -> Canned {
    let body = std::fs::read(format!("{dir}/body")).expect("reading body");
    let raw = std::fs::read_to_string(format!("{dir}/headers")).expect("reading headers");
    let headers = raw
        .lines()
        .filter_map(|line| line.split_once(':'))
        .map(|(n, v)| {
            (
                HeaderName::from_bytes(n.trim().as_bytes()).expect("header name"),
                HeaderValue::from_str(v.trim()).expect("header value"),
            )
        })
        .collect();
    Canned { headers, body: Bytes::from(body) }
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let addr = args.next().expect("usage: bench-ceiling ADDR PATH=DIR...");
    let routes: HashMap<String, Canned> = args
        .map(|a| {
            let (path, dir) = a.split_once('=').expect("PATH=DIR");
            (path.to_owned(), load(dir))
        })
        .collect();
    let routes = Arc::new(routes);
    let listener = TcpListener::bind(&addr).await.expect("bind");
    eprintln!("ceiling listening on {addr}");
    loop {
        let Ok((stream, _)) = listener.accept().await else { continue };
        let _ = stream.set_nodelay(true);
        let routes = routes.clone();
        tokio::spawn(async move {
            let service = service_fn(move |req: Request<Incoming>| {
                let routes = routes.clone();
                async move {
                    let response = match routes.get(req.uri().path()) {
                        Some(c) => {
                            let mut r = Response::new(Full::new(c.body.clone()));
                            for (n, v) in &c.headers {
                                r.headers_mut().append(n.clone(), v.clone());
                            }
                            r
                        }
                        None => {
                            let mut r = Response::new(Full::new(Bytes::new()));
                            *r.status_mut() = StatusCode::NOT_FOUND;
                            r
                        }
                    };
                    Ok::<_, Infallible>(response)
                }
            });
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}
