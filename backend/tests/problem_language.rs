//! Problems speak the customer's language: before sign-in the best of the request's
//! `Accept-Language` the portal has (by quality, any region), else English; `Content-Language`
//! names it. The kind of problem, its status and its fields do not change with the language.

mod common;

use common::{ACME, PASSWORD, TestApp, problem};
use portal::i18n::Language;
use portal::i18n::problems::{ProblemText, Resource};
use serde_json::{Value, json};

/// The title and detail `text` has in `language`, as the portal writes them.
fn words(text: ProblemText, language: Language) -> (String, String) {
    let (title, detail) = text.render(language);
    (title.to_owned(), detail)
}

fn said(body: &Value) -> (String, String) {
    (
        body["title"].as_str().unwrap().to_owned(),
        body["detail"].as_str().unwrap().to_owned(),
    )
}

async fn problem_in(
    request: reqwest::RequestBuilder,
    accept_language: Option<&str>,
    status: u16,
) -> (Value, String) {
    let request = match accept_language {
        Some(value) => request.header("accept-language", value),
        None => request,
    };
    let response = request.send().await.expect("request");
    let content_language = response
        .headers()
        .get("content-language")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("(none)")
        .to_owned();
    let vary: Vec<String> = response
        .headers()
        .get_all("vary")
        .iter()
        .filter_map(|v| v.to_str().ok().map(str::to_lowercase))
        .collect();
    assert!(
        vary.iter().any(|v| v.contains("accept-language")),
        "Vary: {vary:?}"
    );
    (problem(response, status).await, content_language)
}

#[tokio::test]
async fn a_problem_before_sign_in_is_in_the_best_accepted_language() {
    let app = TestApp::spawn().await;
    let client = app.anonymous();
    let cases = app.url(&format!("/customer/{ACME}/cases"));
    let asks: &[(Option<&str>, Language)] = &[
        (Some("de-CH, en;q=0.5"), Language::De),
        (Some("en;q=0.3, fr-CA;q=0.9"), Language::Fr),
        (Some("nl-NL, es;q=0.8"), Language::Es),
        (Some("ar"), Language::Ar),
        (Some("nl, pt-BR"), Language::En),
        (None, Language::En),
    ];
    for (accept, language) in asks {
        let (body, content_language) = problem_in(client.get(&cases), *accept, 401).await;
        assert_eq!(body["type"], "/problems/unauthenticated");
        assert_eq!(
            said(&body),
            words(ProblemText::Unauthenticated, *language),
            "{accept:?}"
        );
        assert_eq!(content_language, language.code(), "{accept:?}");
    }
    // Not an echo of the English: the German really is German.
    let (body, _) = problem_in(client.get(&cases), Some("de"), 401).await;
    assert_eq!(body["title"], "Nicht angemeldet");
}

#[tokio::test]
async fn problems_raised_outside_the_handlers_are_translated_too() {
    let app = TestApp::spawn().await;
    let client = app.anonymous();

    // An address the API does not have (answered by the router's fallback).
    let (body, language) = problem_in(
        client.get(app.url("/customer/nothing/here/at/all")),
        Some("es"),
        404,
    )
    .await;
    assert_eq!(said(&body), words(ProblemText::NoSuchAddress, Language::Es));
    assert_eq!(language, "es");

    // A body that is not JSON, refused by the extractor.
    let (body, language) = problem_in(
        client
            .post(app.url("/auth/login"))
            .header("content-type", "application/json")
            .body("{not json"),
        Some("ar-EG"),
        400,
    )
    .await;
    assert_eq!(said(&body), words(ProblemText::InvalidJson, Language::Ar));
    assert_eq!(language, "ar");
}

#[tokio::test]
async fn a_validation_problem_keeps_its_fields_in_every_language() {
    let app = TestApp::spawn().await;
    let user = app.login("alice@acme.example").await;
    let path = user.url(&format!("/customer/{}/cases", user.customer));
    let mut fields = None;
    for language in Language::ALL {
        let (body, content_language) = problem_in(
            user.client
                .post(&path)
                .header("x-csrf-token", &user.csrf)
                .json(&json!({"subject": "", "description": ""})),
            Some(language.code()),
            422,
        )
        .await;
        assert_eq!(body["type"], "/problems/validation");
        assert_eq!(said(&body), words(ProblemText::Validation, language));
        assert_eq!(content_language, language.code());
        // The same fields whatever the language: a client acts on them, not on the words.
        let names: Vec<String> = body["errors"]
            .as_array()
            .expect("errors")
            .iter()
            .map(|e| e["field"].as_str().unwrap().to_owned())
            .collect();
        assert!(!names.is_empty());
        match &fields {
            None => fields = Some(names),
            Some(first) => assert_eq!(first, &names, "{language}"),
        }
    }
}

#[tokio::test]
async fn answers_that_are_not_problems_are_left_alone() {
    let app = TestApp::spawn().await;
    let client = app.anonymous();
    let response = client
        .post(app.url("/auth/login"))
        .header("accept-language", "de")
        .json(&json!({"email": "alice@acme.example", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers().get("content-language").is_none());
}

/// Signed in, the profile's language wins over the request's `Accept-Language`: the customer
/// chose it. Changing it in the profile re-issues the session, and the next problem follows.
#[tokio::test]
async fn a_signed_in_customers_problems_are_in_their_profiles_language() {
    let app = TestApp::spawn().await;
    let user = app.login("gina@globex.example").await;
    let missing = user.url(&format!(
        "/customer/{}/cases/500Dn000000000000",
        user.customer
    ));
    for language in [Language::De, Language::Ar, Language::En] {
        let response = user
            .client
            .patch(user.url(&format!("/customer/{}/profile", user.customer)))
            .header("x-csrf-token", &user.csrf)
            .json(&json!({"language": language.code()}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "PATCH language {language}");
        let (body, content_language) =
            problem_in(user.client.get(&missing), Some("fr, es;q=0.5"), 404).await;
        assert_eq!(
            said(&body),
            words(ProblemText::NotFound(Resource::Case), language)
        );
        assert_eq!(content_language, language.code());
    }
}
