//! Streaming ContentVersion downloads.

mod support;

use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::Method;
use futures_util::StreamExt;
use salesforce_client::{Error, SalesforceId};
use support::*;

const SIZE: usize = 8 * 1024 * 1024;
const CHUNK: usize = 64 * 1024;

fn byte_at(i: usize) -> u8 {
    (i % 251) as u8
}

#[tokio::test]
async fn version_data_streams_without_buffering_the_file() {
    let org = Org::start().await;
    // The server sends the first chunk, then holds the rest back until the client has seen it.
    // A client that buffered the whole body before returning would wait forever.
    let release = Arc::new(tokio::sync::Notify::new());
    let path = Org::data("/sobjects/ContentVersion/068D00000000pgOIAQ/VersionData");
    let gate = release.clone();
    org.instance.on(Method::GET, &path, move |_| {
        let gate = gate.clone();
        async move {
            let chunks = futures_util::stream::iter(0..SIZE / CHUNK).then(move |n| {
                let gate = gate.clone();
                async move {
                    if n == 1 {
                        gate.notified().await;
                    }
                    let start = n * CHUNK;
                    let bytes: Vec<u8> = (start..start + CHUNK).map(byte_at).collect();
                    Ok::<_, std::io::Error>(Bytes::from(bytes))
                }
            });
            axum::response::Response::builder()
                .status(200)
                .header("content-type", "application/pdf")
                .header("content-length", SIZE.to_string())
                .header("sforce-limit-info", LIMIT_INFO)
                .body(Body::from_stream(chunks))
                .unwrap()
        }
    });

    let client = org.client();
    let id = SalesforceId::parse("068D00000000pgOIAQ").unwrap();
    let mut download =
        tokio::time::timeout(Duration::from_secs(10), client.download_version_data(&id))
            .await
            .expect("headers arrive before the body is complete")
            .unwrap();
    assert_eq!(download.content_length(), Some(SIZE as u64));
    assert_eq!(download.content_type(), Some("application/pdf"));

    let first = tokio::time::timeout(Duration::from_secs(10), download.next())
        .await
        .expect("the first chunk arrives while the server holds the rest")
        .unwrap()
        .unwrap();
    assert!(first.len() <= CHUNK);
    release.notify_one();

    let mut received = first.len();
    let mut largest = first.len();
    let mut mismatch = first.iter().enumerate().position(|(i, b)| *b != byte_at(i));
    while let Some(chunk) = download.next().await {
        let chunk = chunk.unwrap();
        if mismatch.is_none() {
            mismatch = chunk
                .iter()
                .enumerate()
                .position(|(i, b)| *b != byte_at(received + i))
                .map(|i| received + i);
        }
        received += chunk.len();
        largest = largest.max(chunk.len());
    }
    assert_eq!(received, SIZE);
    assert_eq!(mismatch, None, "bytes arrive intact and in order");
    assert!(largest < SIZE / 4, "chunks, not the whole file at once");

    let sent = &org.instance.requests()[0];
    assert_eq!(sent.path, path);
    assert_eq!(sent.bearer(), Some(token(1).as_str()));
    assert_eq!(sent.header("sforce-call-options"), Some("client=portal"));
}

#[tokio::test]
async fn a_missing_file_is_a_typed_not_found() {
    let org = Org::start().await;
    org.instance.on_json(
        Method::GET,
        &Org::data("/sobjects/ContentVersion/068D00000000pgOIAQ/VersionData"),
        404,
        &fixture("error_not_found.json"),
    );
    let id = SalesforceId::parse("068D00000000pgOIAQ").unwrap();
    let error = org.client().download_version_data(&id).await.unwrap_err();
    assert!(matches!(error, Error::Api { status: 404, .. }));
    assert!(error.has_code(&salesforce_client::ErrorCode::NotFound));
}
