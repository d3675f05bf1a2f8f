//! The `title` and `detail` of every problem the API answers, in each [`Language`].
//!
//! A problem is built with a [`ProblemText`] (what happened, with the values its sentences
//! need); `http::middleware::respond` renders it in the request's language. Each language is
//! one exhaustive `match`: a new kind of problem does not compile until every language says it.

use std::fmt::Display;

use super::Language;

/// What a problem says, before it is put into words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProblemText {
    /// 404 for an address the API does not have.
    NoSuchAddress,
    MethodNotAllowed,
    RequestTooLarge,
    /// A timeout of ours or a saturated server.
    Busy,
    UnsupportedMediaType,
    /// A 4xx raised by the framework with nothing more specific to say.
    BadRequest,
    Internal,
    Validation,
    QueryTooLong {
        max_bytes: usize,
    },
    InvalidJson,
    /// A multipart body that broke off; `reason` is the parser's (English) explanation.
    MultipartUnreadable {
        reason: String,
    },
    Unauthenticated,
    BadCredentials,
    /// A path naming another customer's account.
    OtherAccount,
    /// A member asking for every case of the company (`scope=company`), which only managers see.
    CompanyCasesManagersOnly,
    /// A member asking to export (or read an export of) every case of the company.
    ExportManagersOnly,
    /// A password change asked by someone who signs in through their company's provider.
    PasswordManagedElsewhere,
    Csrf,
    DownloadLinkExpired,
    DownloadLinkOtherBrowser,
    DownloadLinkInvalid,
    NotFound(Resource),
    IdempotencyInFlight,
    IdempotencyKeyReused,
    CaseClosed,
    TooMany {
        action: Action,
        retry_secs: u64,
    },
    /// Reopening is off (`cases.reopen_window_days = 0`).
    ReopenNotOffered {
        case_number: String,
    },
    ReopenWindowClosed {
        case_number: String,
        window_days: u32,
    },
    SlotTaken,
    AppointmentCutoff {
        /// `YYYY-MM-DD HH:MM`, in UTC.
        deadline: String,
        cutoff_hours: u32,
    },
    AppointmentCancelled,
    AttachmentTooLarge {
        /// As people say it: `25 MB`.
        limit: String,
    },
    AttachmentType {
        allowed: String,
    },
    SignInThrottled {
        retry_secs: u64,
    },
    SignInBusy {
        retry_secs: u64,
    },
    SalesforceBudget {
        retry_secs: u64,
    },
    Unavailable,
    StorageFull,
}

/// A record a customer can ask for that may not exist (or not be theirs: the same answer).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resource {
    Case,
    Document,
    Attachment,
    Product,
    Appointment,
    Form,
    Profile,
    /// A case export (issue 16).
    Export,
}

/// What a customer did too often, by the rate-limit policy that stopped it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    NewCases,
    Replies,
    StatusChanges,
    Uploads,
    Bookings,
    ProductResponses,
    PasswordResets,
    ProfileChanges,
    /// Starting case exports (issue 16).
    Exports,
}

impl Action {
    /// The action a rate-limit policy (`RateLimitInfo::policy`) counts.
    pub fn of_policy(policy: &str) -> Self {
        match policy {
            "comment-create" => Self::Replies,
            "case-status" => Self::StatusChanges,
            "attachment-upload" => Self::Uploads,
            "appointment-write" => Self::Bookings,
            "recommendation-write" => Self::ProductResponses,
            "profile-update" => Self::ProfileChanges,
            p if p.starts_with("password-reset") => Self::PasswordResets,
            "export-start" => Self::Exports,
            _ => Self::NewCases,
        }
    }
}

/// A problem's `title` and `detail`.
pub type Words = (&'static str, String);

impl ProblemText {
    /// The title and detail in `language`.
    pub fn render(&self, language: Language) -> Words {
        match language {
            Language::En => english(self),
            Language::De => german(self),
            Language::Fr => french(self),
            Language::Es => spanish(self),
            Language::Ar => arabic(self),
        }
    }
}

fn words(title: &'static str, detail: impl Display) -> Words {
    (title, detail.to_string())
}

fn english(text: &ProblemText) -> Words {
    use ProblemText as P;
    match text {
        P::NoSuchAddress => words("Not found", "There is nothing at this address."),
        P::MethodNotAllowed => words(
            "Method not allowed",
            "This address does not accept that method.",
        ),
        P::RequestTooLarge => words(
            "Request too large",
            "The request body is larger than the server accepts.",
        ),
        P::Busy => words(
            "Service unavailable",
            "The request took too long or the service is busy. Please try again.",
        ),
        P::UnsupportedMediaType => words(
            "Unsupported media type",
            "Send the request body as application/json.",
        ),
        P::BadRequest => words("Bad request", "The request is not valid."),
        P::Internal => words(
            "Internal error",
            "Something went wrong on our side. Please try again later.",
        ),
        P::Validation => words("Invalid request", "Some fields are not valid; see errors."),
        P::QueryTooLong { max_bytes } => words(
            "Bad request",
            format!("The query string is longer than {max_bytes} bytes."),
        ),
        P::InvalidJson => words("Bad request", "The request body is not valid JSON."),
        P::MultipartUnreadable { reason } => words(
            "Bad request",
            format!("The multipart body could not be read: {reason}"),
        ),
        P::Unauthenticated => words("Not signed in", "Sign in to continue."),
        P::BadCredentials => words("Sign-in failed", "The email or password is not correct."),
        P::CompanyCasesManagersOnly => words(
            "Forbidden",
            "Only a manager of your company can list all of its cases.",
        ),
        P::ExportManagersOnly => words(
            "Forbidden",
            "Only a manager of your company can export all of its cases.",
        ),
        P::OtherAccount => words("Forbidden", "You can only access your own account."),
        P::PasswordManagedElsewhere => words(
            "Password managed elsewhere",
            "You sign in through your company's sign-in page, so your password is changed there, not here.",
        ),
        P::Csrf => words(
            "Missing or invalid CSRF token",
            "Send the session's csrf_token in the X-CSRF-Token header.",
        ),
        P::DownloadLinkExpired => words(
            "Download link not valid",
            "This download link has expired. Start the download again from the documents page.",
        ),
        P::DownloadLinkOtherBrowser => words(
            "Download link not valid",
            "This download link works only in the browser that is signed in and asked for it.",
        ),
        P::DownloadLinkInvalid => words(
            "Download link not valid",
            "This download link is not valid.",
        ),
        P::NotFound(resource) => words(
            "Not found",
            format!(
                "The {} does not exist.",
                match resource {
                    Resource::Case => "case",
                    Resource::Document => "document",
                    Resource::Attachment => "attachment",
                    Resource::Product => "product",
                    Resource::Appointment => "appointment",
                    Resource::Form => "form",
                    Resource::Profile => "profile",
                    Resource::Export => "export",
                }
            ),
        ),
        P::IdempotencyInFlight => words(
            "Request already in progress",
            "A request with this Idempotency-Key is still being processed; retry shortly.",
        ),
        P::IdempotencyKeyReused => words(
            "Idempotency-Key reused",
            "This Idempotency-Key was already used with a different request body.",
        ),
        P::CaseClosed => words(
            "Case closed",
            "This case is closed, so it takes no more replies. Reopen it, or open a new case.",
        ),
        P::TooMany { action, retry_secs } => words(
            "Too many requests",
            match action {
                Action::NewCases => {
                    format!("Too many new cases. You can create another in {retry_secs} seconds.")
                }
                Action::Replies => {
                    format!("Too many replies. You can send another in {retry_secs} seconds.")
                }
                Action::StatusChanges => format!(
                    "Too many cases closed or reopened. You can close or reopen another in \
                     {retry_secs} seconds."
                ),
                Action::Uploads => format!(
                    "Too many files uploaded. You can upload another in {retry_secs} seconds."
                ),
                Action::Bookings => format!(
                    "Too many bookings, cancellations or moves. You can make another in \
                     {retry_secs} seconds."
                ),
                Action::PasswordResets => format!(
                    "Too many password reset requests. You can ask again in {retry_secs} seconds."
                ),
                Action::ProfileChanges => format!(
                    "Too many profile changes. You can change it again in {retry_secs} seconds."
                ),
                Action::ProductResponses => format!(
                    "Too many answers to recommendations. You can send another in {retry_secs} \
                     seconds."
                ),
                Action::Exports => format!(
                    "Too many exports started. You can start another in {retry_secs} seconds."
                ),
            },
        ),
        P::ReopenNotOffered { case_number } => words(
            "This case can no longer be reopened",
            format!(
                "Closed cases cannot be reopened here. Please open a new case and mention case \
                 {case_number}."
            ),
        ),
        P::ReopenWindowClosed {
            case_number,
            window_days,
        } => words(
            "This case can no longer be reopened",
            format!(
                "Case {case_number} was closed more than {window_days} days ago, so it can no \
                 longer be reopened. Please open a new case and mention case {case_number}."
            ),
        ),
        P::SlotTaken => words(
            "This time is no longer free",
            "Someone booked this time a moment ago, or it is no longer free. Please choose \
             another time; fresh_slots lists times that are free now.",
        ),
        P::AppointmentCutoff {
            deadline,
            cutoff_hours,
        } => words(
            "Too late to change this appointment",
            format!(
                "Appointments can be cancelled or moved here until {cutoff_hours} hours before \
                 they start; for this one that was {deadline} UTC. Please contact us directly to \
                 change it."
            ),
        ),
        P::AppointmentCancelled => words(
            "Appointment cancelled",
            "This appointment was cancelled, so it cannot be moved. Please book a new one.",
        ),
        P::AttachmentTooLarge { limit } => words(
            "File too large",
            format!("The file is larger than the {limit} the portal takes, so it was not saved."),
        ),
        P::AttachmentType { allowed } => words(
            "File type not accepted",
            format!(
                "The file's content is not of a type the portal takes, so it was not saved. \
                 Accepted: {allowed}."
            ),
        ),
        P::SignInThrottled { retry_secs } => words(
            "Too many sign-in attempts",
            format!("Too many sign-in attempts. Try again in {retry_secs} seconds."),
        ),
        P::SignInBusy { retry_secs } => words(
            "Sign-in is busy",
            format!("Many people are signing in right now. Try again in {retry_secs} seconds."),
        ),
        P::SalesforceBudget { retry_secs } => words(
            "Too many requests for fresh data",
            format!(
                "You have asked for a lot of data that is not ready yet in a short time. Try \
                 again in {retry_secs} seconds; pages you have already seen still work."
            ),
        ),
        P::Unavailable => words(
            "Service unavailable",
            "A system the portal depends on is not reachable right now. Please try again in a \
             minute.",
        ),
        P::StorageFull => words(
            "Cannot save right now",
            "The portal has no room to save new data at the moment, so nothing was saved. Please \
             try again later; with the same Idempotency-Key a retry never creates a second case.",
        ),
    }
}

fn german(text: &ProblemText) -> Words {
    use ProblemText as P;
    match text {
        P::NoSuchAddress => words("Nicht gefunden", "Unter dieser Adresse gibt es nichts."),
        P::MethodNotAllowed => words(
            "Methode nicht erlaubt",
            "Diese Adresse nimmt diese Methode nicht an.",
        ),
        P::RequestTooLarge => words(
            "Anfrage zu groß",
            "Der Inhalt der Anfrage ist größer, als der Server annimmt.",
        ),
        P::Busy => words(
            "Dienst nicht verfügbar",
            "Die Anfrage hat zu lange gedauert oder der Dienst ist ausgelastet. Bitte versuchen \
             Sie es erneut.",
        ),
        P::UnsupportedMediaType => words(
            "Nicht unterstützter Medientyp",
            "Senden Sie den Inhalt der Anfrage als application/json.",
        ),
        P::BadRequest => words("Ungültige Anfrage", "Die Anfrage ist nicht gültig."),
        P::Internal => words(
            "Interner Fehler",
            "Bei uns ist etwas schiefgegangen. Bitte versuchen Sie es später erneut.",
        ),
        P::Validation => words(
            "Ungültige Anfrage",
            "Einige Felder sind nicht gültig; siehe errors.",
        ),
        P::QueryTooLong { max_bytes } => words(
            "Ungültige Anfrage",
            format!("Der Query-String ist länger als {max_bytes} Bytes."),
        ),
        P::InvalidJson => words(
            "Ungültige Anfrage",
            "Der Inhalt der Anfrage ist kein gültiges JSON.",
        ),
        P::MultipartUnreadable { reason } => words(
            "Ungültige Anfrage",
            format!("Der Multipart-Inhalt konnte nicht gelesen werden: {reason}"),
        ),
        P::Unauthenticated => words("Nicht angemeldet", "Melden Sie sich an, um fortzufahren."),
        P::BadCredentials => words(
            "Anmeldung fehlgeschlagen",
            "Die E-Mail-Adresse oder das Passwort ist nicht korrekt.",
        ),
        P::CompanyCasesManagersOnly => words(
            "Kein Zugriff",
            "Nur eine Managerin oder ein Manager Ihres Unternehmens kann alle seine Anfragen auflisten.",
        ),
        P::ExportManagersOnly => words(
            "Kein Zugriff",
            "Nur eine Managerin oder ein Manager Ihres Unternehmens kann alle seine Anfragen exportieren.",
        ),
        P::OtherAccount => words(
            "Kein Zugriff",
            "Sie können nur auf Ihr eigenes Konto zugreifen.",
        ),
        P::PasswordManagedElsewhere => words(
            "Passwort wird anderswo verwaltet",
            "Sie melden sich über die Anmeldeseite Ihres Unternehmens an; Ihr Passwort ändern Sie daher dort, nicht hier.",
        ),
        P::Csrf => words(
            "CSRF-Token fehlt oder ist ungültig",
            "Senden Sie das csrf_token der Sitzung im Header X-CSRF-Token.",
        ),
        P::DownloadLinkExpired => words(
            "Download-Link nicht gültig",
            "Dieser Download-Link ist abgelaufen. Starten Sie den Download erneut auf der Seite \
             „Dokumente“.",
        ),
        P::DownloadLinkOtherBrowser => words(
            "Download-Link nicht gültig",
            "Dieser Download-Link funktioniert nur in dem Browser, der angemeldet ist und ihn \
             angefordert hat.",
        ),
        P::DownloadLinkInvalid => words(
            "Download-Link nicht gültig",
            "Dieser Download-Link ist nicht gültig.",
        ),
        P::NotFound(resource) => words(
            "Nicht gefunden",
            match resource {
                Resource::Case => "Die Anfrage existiert nicht.",
                Resource::Document => "Das Dokument existiert nicht.",
                Resource::Attachment => "Der Anhang existiert nicht.",
                Resource::Product => "Das Produkt existiert nicht.",
                Resource::Appointment => "Der Termin existiert nicht.",
                Resource::Form => "Das Formular existiert nicht.",
                Resource::Profile => "Das Profil existiert nicht.",
                Resource::Export => "Der Export existiert nicht.",
            },
        ),
        P::IdempotencyInFlight => words(
            "Anfrage wird bereits bearbeitet",
            "Eine Anfrage mit diesem Idempotency-Key wird noch bearbeitet; versuchen Sie es \
             gleich erneut.",
        ),
        P::IdempotencyKeyReused => words(
            "Idempotency-Key wiederverwendet",
            "Dieser Idempotency-Key wurde bereits mit einem anderen Inhalt verwendet.",
        ),
        P::CaseClosed => words(
            "Anfrage geschlossen",
            "Diese Anfrage ist geschlossen und nimmt keine Antworten mehr an. Öffnen Sie sie \
             erneut oder stellen Sie eine neue Anfrage.",
        ),
        P::TooMany { action, retry_secs } => words(
            "Zu viele Anfragen",
            match action {
                Action::NewCases => format!(
                    "Zu viele neue Anfragen. Sie können in {retry_secs} Sekunden eine weitere \
                     stellen."
                ),
                Action::Replies => format!(
                    "Zu viele Antworten. Sie können in {retry_secs} Sekunden eine weitere senden."
                ),
                Action::StatusChanges => format!(
                    "Zu viele Anfragen geschlossen oder wieder geöffnet. Sie können in {retry_secs} \
                     Sekunden eine weitere schließen oder wieder öffnen."
                ),
                Action::Uploads => format!(
                    "Zu viele Dateien hochgeladen. Sie können in {retry_secs} Sekunden eine \
                     weitere hochladen."
                ),
                Action::Bookings => format!(
                    "Zu viele Buchungen, Absagen oder Verschiebungen. Sie können in \
                     {retry_secs} Sekunden eine weitere vornehmen."
                ),
                Action::PasswordResets => format!(
                    "Zu viele Anfragen zum Zurücksetzen des Passworts. Sie können in {retry_secs} Sekunden erneut fragen."
                ),
                Action::ProfileChanges => format!(
                    "Zu viele Profiländerungen. Sie können es in {retry_secs} Sekunden erneut ändern."
                ),
                Action::ProductResponses => format!(
                    "Zu viele Antworten auf Empfehlungen. Sie können in {retry_secs} Sekunden \
                     eine weitere senden."
                ),
                Action::Exports => format!(
                    "Zu viele Exporte gestartet. Sie können in {retry_secs} Sekunden einen \
                     weiteren starten."
                ),
            },
        ),
        P::ReopenNotOffered { case_number } => words(
            "Diese Anfrage kann nicht mehr erneut geöffnet werden",
            format!(
                "Geschlossene Anfragen können hier nicht erneut geöffnet werden. Bitte stellen Sie \
                 eine neue Anfrage und nennen Sie darin Anfrage {case_number}."
            ),
        ),
        P::ReopenWindowClosed {
            case_number,
            window_days,
        } => words(
            "Diese Anfrage kann nicht mehr erneut geöffnet werden",
            format!(
                "Anfrage {case_number} wurde vor mehr als {window_days} Tagen geschlossen und kann \
                 daher nicht mehr erneut geöffnet werden. Bitte stellen Sie eine neue Anfrage \
                 und nennen Sie darin Anfrage {case_number}."
            ),
        ),
        P::SlotTaken => words(
            "Dieser Termin ist nicht mehr frei",
            "Jemand hat diese Zeit gerade gebucht, oder sie ist nicht mehr frei. Bitte wählen \
             Sie eine andere Zeit; fresh_slots nennt die Zeiten, die jetzt frei sind.",
        ),
        P::AppointmentCutoff {
            deadline,
            cutoff_hours,
        } => words(
            "Zu spät, um diesen Termin zu ändern",
            format!(
                "Termine können hier bis {cutoff_hours} Stunden vor Beginn abgesagt oder \
                 verschoben werden; für diesen war das {deadline} UTC. Bitte wenden Sie sich \
                 direkt an uns, um ihn zu ändern."
            ),
        ),
        P::AppointmentCancelled => words(
            "Termin abgesagt",
            "Dieser Termin wurde abgesagt und kann daher nicht verschoben werden. Bitte buchen \
             Sie einen neuen.",
        ),
        P::AttachmentTooLarge { limit } => words(
            "Datei zu groß",
            format!(
                "Die Datei ist größer als die {limit}, die das Portal annimmt, und wurde daher \
                 nicht gespeichert."
            ),
        ),
        P::AttachmentType { allowed } => words(
            "Dateityp nicht akzeptiert",
            format!(
                "Der Inhalt der Datei ist von keinem Typ, den das Portal annimmt, und wurde \
                 daher nicht gespeichert. Akzeptiert: {allowed}."
            ),
        ),
        P::SignInThrottled { retry_secs } => words(
            "Zu viele Anmeldeversuche",
            format!("Zu viele Anmeldeversuche. Versuchen Sie es in {retry_secs} Sekunden erneut."),
        ),
        P::SignInBusy { retry_secs } => words(
            "Die Anmeldung ist ausgelastet",
            format!(
                "Gerade melden sich sehr viele Personen an. Versuchen Sie es in {retry_secs} \
                 Sekunden erneut."
            ),
        ),
        P::SalesforceBudget { retry_secs } => words(
            "Zu viele Anfragen nach aktuellen Daten",
            format!(
                "Sie haben in kurzer Zeit viele Daten angefordert, die noch nicht bereitstehen. \
                 Versuchen Sie es in {retry_secs} Sekunden erneut; bereits angesehene Seiten \
                 funktionieren weiterhin."
            ),
        ),
        P::Unavailable => words(
            "Dienst nicht verfügbar",
            "Ein System, von dem das Portal abhängt, ist gerade nicht erreichbar. Bitte \
             versuchen Sie es in einer Minute erneut.",
        ),
        P::StorageFull => words(
            "Speichern gerade nicht möglich",
            "Das Portal hat im Moment keinen Platz, um neue Daten zu speichern; es wurde nichts \
             gespeichert. Bitte versuchen Sie es später erneut; mit demselben Idempotency-Key \
             legt ein erneuter Versuch nie eine zweite Anfrage an.",
        ),
    }
}

fn french(text: &ProblemText) -> Words {
    use ProblemText as P;
    match text {
        P::NoSuchAddress => words("Introuvable", "Il n’y a rien à cette adresse."),
        P::MethodNotAllowed => words(
            "Méthode non autorisée",
            "Cette adresse n’accepte pas cette méthode.",
        ),
        P::RequestTooLarge => words(
            "Requête trop volumineuse",
            "Le corps de la requête dépasse ce que le serveur accepte.",
        ),
        P::Busy => words(
            "Service indisponible",
            "La requête a pris trop de temps ou le service est surchargé. Veuillez réessayer.",
        ),
        P::UnsupportedMediaType => words(
            "Type de média non pris en charge",
            "Envoyez le corps de la requête en application/json.",
        ),
        P::BadRequest => words("Requête invalide", "La requête n’est pas valide."),
        P::Internal => words(
            "Erreur interne",
            "Un problème est survenu de notre côté. Veuillez réessayer plus tard.",
        ),
        P::Validation => words(
            "Requête invalide",
            "Certains champs ne sont pas valides ; voir errors.",
        ),
        P::QueryTooLong { max_bytes } => words(
            "Requête invalide",
            format!("La chaîne de requête dépasse {max_bytes} octets."),
        ),
        P::InvalidJson => words(
            "Requête invalide",
            "Le corps de la requête n’est pas du JSON valide.",
        ),
        P::MultipartUnreadable { reason } => words(
            "Requête invalide",
            format!("Le corps multipart n’a pas pu être lu : {reason}"),
        ),
        P::Unauthenticated => words("Non connecté", "Connectez-vous pour continuer."),
        P::BadCredentials => words(
            "Échec de la connexion",
            "L’adresse e-mail ou le mot de passe est incorrect.",
        ),
        P::CompanyCasesManagersOnly => words(
            "Accès refusé",
            "Seul un responsable de votre entreprise peut lister toutes ses demandes.",
        ),
        P::ExportManagersOnly => words(
            "Accès refusé",
            "Seul un responsable de votre entreprise peut exporter toutes ses demandes.",
        ),
        P::OtherAccount => words(
            "Accès refusé",
            "Vous ne pouvez accéder qu’à votre propre compte.",
        ),
        P::PasswordManagedElsewhere => words(
            "Mot de passe géré ailleurs",
            "Vous vous connectez par la page de connexion de votre entreprise : votre mot de passe se change donc là-bas, pas ici.",
        ),
        P::Csrf => words(
            "Jeton CSRF manquant ou invalide",
            "Envoyez le csrf_token de la session dans l’en-tête X-CSRF-Token.",
        ),
        P::DownloadLinkExpired => words(
            "Lien de téléchargement non valide",
            "Ce lien de téléchargement a expiré. Relancez le téléchargement depuis la page des \
             documents.",
        ),
        P::DownloadLinkOtherBrowser => words(
            "Lien de téléchargement non valide",
            "Ce lien de téléchargement ne fonctionne que dans le navigateur connecté qui l’a \
             demandé.",
        ),
        P::DownloadLinkInvalid => words(
            "Lien de téléchargement non valide",
            "Ce lien de téléchargement n’est pas valide.",
        ),
        P::NotFound(resource) => words(
            "Introuvable",
            match resource {
                Resource::Case => "La demande n’existe pas.",
                Resource::Document => "Le document n’existe pas.",
                Resource::Attachment => "La pièce jointe n’existe pas.",
                Resource::Product => "Le produit n’existe pas.",
                Resource::Appointment => "Le rendez-vous n’existe pas.",
                Resource::Form => "Le formulaire n’existe pas.",
                Resource::Profile => "Le profil n’existe pas.",
                Resource::Export => "L’export n’existe pas.",
            },
        ),
        P::IdempotencyInFlight => words(
            "Requête déjà en cours",
            "Une requête avec cette Idempotency-Key est encore en cours de traitement ; \
             réessayez dans un instant.",
        ),
        P::IdempotencyKeyReused => words(
            "Idempotency-Key réutilisée",
            "Cette Idempotency-Key a déjà été utilisée avec un autre corps de requête.",
        ),
        P::CaseClosed => words(
            "Demande close",
            "Cette demande est close et n’accepte plus de réponses. Rouvrez-la ou ouvrez une \
             nouvelle demande.",
        ),
        P::TooMany { action, retry_secs } => words(
            "Trop de requêtes",
            match action {
                Action::NewCases => format!(
                    "Trop de nouvelles demandes. Vous pourrez en créer une autre dans {retry_secs} \
                     secondes."
                ),
                Action::Replies => format!(
                    "Trop de réponses. Vous pourrez en envoyer une autre dans {retry_secs} \
                     secondes."
                ),
                Action::StatusChanges => format!(
                    "Trop de demandes closes ou rouvertes. Vous pourrez en clore ou en rouvrir une \
                     autre dans {retry_secs} secondes."
                ),
                Action::Uploads => format!(
                    "Trop de fichiers envoyés. Vous pourrez en envoyer un autre dans \
                     {retry_secs} secondes."
                ),
                Action::Bookings => format!(
                    "Trop de réservations, d’annulations ou de déplacements. Vous pourrez en \
                     faire un autre dans {retry_secs} secondes."
                ),
                Action::PasswordResets => format!(
                    "Trop de demandes de réinitialisation du mot de passe. Vous pourrez redemander dans {retry_secs} secondes."
                ),
                Action::ProfileChanges => format!(
                    "Trop de modifications du profil. Vous pourrez le modifier à nouveau dans {retry_secs} secondes."
                ),
                Action::ProductResponses => format!(
                    "Trop de réponses aux recommandations. Vous pourrez en envoyer une autre \
                     dans {retry_secs} secondes."
                ),
                Action::Exports => format!(
                    "Trop d’exports lancés. Vous pourrez en lancer un autre dans {retry_secs} \
                     secondes."
                ),
            },
        ),
        P::ReopenNotOffered { case_number } => words(
            "Cette demande ne peut plus être rouverte",
            format!(
                "Les demandes closes ne peuvent pas être rouvertes ici. Veuillez ouvrir une \
                 nouvelle demande en mentionnant la demande {case_number}."
            ),
        ),
        P::ReopenWindowClosed {
            case_number,
            window_days,
        } => words(
            "Cette demande ne peut plus être rouverte",
            format!(
                "La demande {case_number} a été close il y a plus de {window_days} jours et ne \
                 peut donc plus être rouverte. Veuillez ouvrir une nouvelle demande en \
                 mentionnant la demande {case_number}."
            ),
        ),
        P::SlotTaken => words(
            "Ce créneau n’est plus libre",
            "Quelqu’un vient de réserver ce créneau, ou il n’est plus libre. Veuillez choisir un \
             autre horaire ; fresh_slots indique les créneaux libres maintenant.",
        ),
        P::AppointmentCutoff {
            deadline,
            cutoff_hours,
        } => words(
            "Trop tard pour modifier ce rendez-vous",
            format!(
                "Les rendez-vous peuvent être annulés ou déplacés ici jusqu’à {cutoff_hours} \
                 heures avant leur début ; pour celui-ci, c’était le {deadline} UTC. Veuillez \
                 nous contacter directement pour le modifier."
            ),
        ),
        P::AppointmentCancelled => words(
            "Rendez-vous annulé",
            "Ce rendez-vous a été annulé et ne peut donc pas être déplacé. Veuillez en réserver \
             un nouveau.",
        ),
        P::AttachmentTooLarge { limit } => words(
            "Fichier trop volumineux",
            format!(
                "Le fichier dépasse les {limit} acceptés par le portail ; il n’a donc pas été \
                 enregistré."
            ),
        ),
        P::AttachmentType { allowed } => words(
            "Type de fichier non accepté",
            format!(
                "Le contenu du fichier n’est pas d’un type accepté par le portail ; il n’a donc \
                 pas été enregistré. Acceptés : {allowed}."
            ),
        ),
        P::SignInThrottled { retry_secs } => words(
            "Trop de tentatives de connexion",
            format!("Trop de tentatives de connexion. Réessayez dans {retry_secs} secondes."),
        ),
        P::SignInBusy { retry_secs } => words(
            "La connexion est saturée",
            format!(
                "Beaucoup de personnes se connectent en ce moment. Réessayez dans {retry_secs} \
                 secondes."
            ),
        ),
        P::SalesforceBudget { retry_secs } => words(
            "Trop de demandes de données à jour",
            format!(
                "Vous avez demandé en peu de temps beaucoup de données qui ne sont pas encore \
                 prêtes. Réessayez dans {retry_secs} secondes ; les pages déjà consultées \
                 fonctionnent toujours."
            ),
        ),
        P::Unavailable => words(
            "Service indisponible",
            "Un système dont dépend le portail est injoignable pour le moment. Veuillez \
             réessayer dans une minute.",
        ),
        P::StorageFull => words(
            "Enregistrement impossible pour le moment",
            "Le portail n’a plus de place pour enregistrer de nouvelles données ; rien n’a été \
             enregistré. Veuillez réessayer plus tard ; avec la même Idempotency-Key, un nouvel \
             essai ne crée jamais de seconde demande.",
        ),
    }
}

fn spanish(text: &ProblemText) -> Words {
    use ProblemText as P;
    match text {
        P::NoSuchAddress => words("No encontrado", "No hay nada en esta dirección."),
        P::MethodNotAllowed => words(
            "Método no permitido",
            "Esta dirección no acepta ese método.",
        ),
        P::RequestTooLarge => words(
            "Solicitud demasiado grande",
            "El cuerpo de la solicitud es mayor de lo que acepta el servidor.",
        ),
        P::Busy => words(
            "Servicio no disponible",
            "La solicitud tardó demasiado o el servicio está ocupado. Inténtelo de nuevo.",
        ),
        P::UnsupportedMediaType => words(
            "Tipo de contenido no admitido",
            "Envíe el cuerpo de la solicitud como application/json.",
        ),
        P::BadRequest => words("Solicitud no válida", "La solicitud no es válida."),
        P::Internal => words(
            "Error interno",
            "Algo ha fallado por nuestra parte. Inténtelo de nuevo más tarde.",
        ),
        P::Validation => words(
            "Solicitud no válida",
            "Algunos campos no son válidos; consulte errors.",
        ),
        P::QueryTooLong { max_bytes } => words(
            "Solicitud no válida",
            format!("La cadena de consulta supera los {max_bytes} bytes."),
        ),
        P::InvalidJson => words(
            "Solicitud no válida",
            "El cuerpo de la solicitud no es JSON válido.",
        ),
        P::MultipartUnreadable { reason } => words(
            "Solicitud no válida",
            format!("No se pudo leer el cuerpo multipart: {reason}"),
        ),
        P::Unauthenticated => words("Sesión no iniciada", "Inicie sesión para continuar."),
        P::BadCredentials => words(
            "Error al iniciar sesión",
            "El correo electrónico o la contraseña no son correctos.",
        ),
        P::CompanyCasesManagersOnly => words(
            "Acceso denegado",
            "Solo un responsable de su empresa puede ver todos sus casos.",
        ),
        P::ExportManagersOnly => words(
            "Acceso denegado",
            "Solo un responsable de su empresa puede exportar todos sus casos.",
        ),
        P::OtherAccount => words("Acceso denegado", "Solo puede acceder a su propia cuenta."),
        P::PasswordManagedElsewhere => words(
            "Contraseña gestionada en otro lugar",
            "Inicia sesión a través de la página de inicio de sesión de su empresa, así que su contraseña se cambia allí, no aquí.",
        ),
        P::Csrf => words(
            "Token CSRF ausente o no válido",
            "Envíe el csrf_token de la sesión en la cabecera X-CSRF-Token.",
        ),
        P::DownloadLinkExpired => words(
            "Enlace de descarga no válido",
            "Este enlace de descarga ha caducado. Inicie de nuevo la descarga desde la página de \
             documentos.",
        ),
        P::DownloadLinkOtherBrowser => words(
            "Enlace de descarga no válido",
            "Este enlace de descarga solo funciona en el navegador que ha iniciado sesión y lo \
             ha solicitado.",
        ),
        P::DownloadLinkInvalid => words(
            "Enlace de descarga no válido",
            "Este enlace de descarga no es válido.",
        ),
        P::NotFound(resource) => words(
            "No encontrado",
            match resource {
                Resource::Case => "El caso no existe.",
                Resource::Document => "El documento no existe.",
                Resource::Attachment => "El archivo adjunto no existe.",
                Resource::Product => "El producto no existe.",
                Resource::Appointment => "La cita no existe.",
                Resource::Form => "El formulario no existe.",
                Resource::Profile => "El perfil no existe.",
                Resource::Export => "La exportación no existe.",
            },
        ),
        P::IdempotencyInFlight => words(
            "Solicitud ya en curso",
            "Una solicitud con esta Idempotency-Key todavía se está procesando; vuelva a \
             intentarlo en un momento.",
        ),
        P::IdempotencyKeyReused => words(
            "Idempotency-Key reutilizada",
            "Esta Idempotency-Key ya se utilizó con otro cuerpo de solicitud.",
        ),
        P::CaseClosed => words(
            "Caso cerrado",
            "Este caso está cerrado y no admite más respuestas. Reábralo o abra un caso nuevo.",
        ),
        P::TooMany { action, retry_secs } => words(
            "Demasiadas solicitudes",
            match action {
                Action::NewCases => format!(
                    "Demasiados casos nuevos. Podrá crear otro dentro de {retry_secs} segundos."
                ),
                Action::Replies => format!(
                    "Demasiadas respuestas. Podrá enviar otra dentro de {retry_secs} segundos."
                ),
                Action::StatusChanges => format!(
                    "Demasiados casos cerrados o reabiertos. Podrá cerrar o reabrir otro dentro \
                     de {retry_secs} segundos."
                ),
                Action::Uploads => format!(
                    "Demasiados archivos subidos. Podrá subir otro dentro de {retry_secs} \
                     segundos."
                ),
                Action::Bookings => format!(
                    "Demasiadas reservas, cancelaciones o cambios. Podrá hacer otro dentro de \
                     {retry_secs} segundos."
                ),
                Action::PasswordResets => format!(
                    "Demasiadas solicitudes de restablecimiento de contraseña. Podrá volver a pedirlo dentro de {retry_secs} segundos."
                ),
                Action::ProfileChanges => format!(
                    "Demasiados cambios en el perfil. Podrá cambiarlo de nuevo dentro de {retry_secs} segundos."
                ),
                Action::ProductResponses => format!(
                    "Demasiadas respuestas a recomendaciones. Podrá enviar otra dentro de \
                     {retry_secs} segundos."
                ),
                Action::Exports => format!(
                    "Demasiadas exportaciones iniciadas. Podrá iniciar otra dentro de \
                     {retry_secs} segundos."
                ),
            },
        ),
        P::ReopenNotOffered { case_number } => words(
            "Este caso ya no se puede reabrir",
            format!(
                "Los casos cerrados no se pueden reabrir aquí. Abra un caso nuevo y mencione el \
                 caso {case_number}."
            ),
        ),
        P::ReopenWindowClosed {
            case_number,
            window_days,
        } => words(
            "Este caso ya no se puede reabrir",
            format!(
                "El caso {case_number} se cerró hace más de {window_days} días, por lo que ya no \
                 se puede reabrir. Abra un caso nuevo y mencione el caso {case_number}."
            ),
        ),
        P::SlotTaken => words(
            "Esta hora ya no está libre",
            "Alguien acaba de reservar esta hora, o ya no está libre. Elija otra hora; \
             fresh_slots indica las horas libres ahora.",
        ),
        P::AppointmentCutoff {
            deadline,
            cutoff_hours,
        } => words(
            "Demasiado tarde para cambiar esta cita",
            format!(
                "Las citas se pueden cancelar o cambiar aquí hasta {cutoff_hours} horas antes de \
                 su inicio; para esta, el límite fue {deadline} UTC. Póngase en contacto con \
                 nosotros directamente para cambiarla."
            ),
        ),
        P::AppointmentCancelled => words(
            "Cita cancelada",
            "Esta cita se canceló, por lo que no se puede cambiar. Reserve una nueva.",
        ),
        P::AttachmentTooLarge { limit } => words(
            "Archivo demasiado grande",
            format!(
                "El archivo supera los {limit} que admite el portal, por lo que no se ha \
                 guardado."
            ),
        ),
        P::AttachmentType { allowed } => words(
            "Tipo de archivo no admitido",
            format!(
                "El contenido del archivo no es de un tipo que admita el portal, por lo que no se \
                 ha guardado. Se admiten: {allowed}."
            ),
        ),
        P::SignInThrottled { retry_secs } => words(
            "Demasiados intentos de inicio de sesión",
            format!(
                "Demasiados intentos de inicio de sesión. Inténtelo de nuevo dentro de \
                 {retry_secs} segundos."
            ),
        ),
        P::SignInBusy { retry_secs } => words(
            "El inicio de sesión está saturado",
            format!(
                "Muchas personas están iniciando sesión ahora mismo. Inténtelo de nuevo dentro \
                 de {retry_secs} segundos."
            ),
        ),
        P::SalesforceBudget { retry_secs } => words(
            "Demasiadas solicitudes de datos actualizados",
            format!(
                "Ha pedido en poco tiempo muchos datos que aún no están listos. Inténtelo de \
                 nuevo dentro de {retry_secs} segundos; las páginas que ya ha visto siguen \
                 funcionando."
            ),
        ),
        P::Unavailable => words(
            "Servicio no disponible",
            "Un sistema del que depende el portal no está disponible en este momento. Inténtelo \
             de nuevo dentro de un minuto.",
        ),
        P::StorageFull => words(
            "No se puede guardar ahora",
            "El portal no tiene espacio para guardar datos nuevos en este momento; no se ha \
             guardado nada. Inténtelo de nuevo más tarde; con la misma Idempotency-Key, un \
             reintento nunca crea un segundo caso.",
        ),
    }
}

fn arabic(text: &ProblemText) -> Words {
    use ProblemText as P;
    match text {
        P::NoSuchAddress => words("غير موجود", "لا يوجد شيء على هذا العنوان."),
        P::MethodNotAllowed => words("الطريقة غير مسموح بها", "هذا العنوان لا يقبل هذه الطريقة."),
        P::RequestTooLarge => words("الطلب كبير جدًا", "محتوى الطلب أكبر مما يقبله الخادم."),
        P::Busy => words(
            "الخدمة غير متاحة",
            "استغرق الطلب وقتًا طويلًا أو أن الخدمة مشغولة. يُرجى المحاولة مرة أخرى.",
        ),
        P::UnsupportedMediaType => words(
            "نوع وسائط غير مدعوم",
            "أرسل محتوى الطلب بصيغة application/json.",
        ),
        P::BadRequest => words("طلب غير صالح", "الطلب غير صالح."),
        P::Internal => words(
            "خطأ داخلي",
            "حدث خطأ من جهتنا. يُرجى المحاولة مرة أخرى لاحقًا.",
        ),
        P::Validation => words("طلب غير صالح", "بعض الحقول غير صالحة؛ راجع errors."),
        P::QueryTooLong { max_bytes } => words(
            "طلب غير صالح",
            format!("سلسلة الاستعلام أطول من {max_bytes} بايت."),
        ),
        P::InvalidJson => words("طلب غير صالح", "محتوى الطلب ليس JSON صالحًا."),
        P::MultipartUnreadable { reason } => words(
            "طلب غير صالح",
            format!("تعذّرت قراءة محتوى multipart: {reason}"),
        ),
        P::Unauthenticated => words("لم تسجّل الدخول", "سجّل الدخول للمتابعة."),
        P::BadCredentials => words(
            "فشل تسجيل الدخول",
            "البريد الإلكتروني أو كلمة المرور غير صحيحة.",
        ),
        P::CompanyCasesManagersOnly => words("غير مسموح", "يمكن لمدير شركتك فقط عرض جميع طلباتها."),
        P::ExportManagersOnly => words("غير مسموح", "يمكن لمدير شركتك فقط تصدير جميع طلباتها."),
        P::OtherAccount => words("غير مسموح", "يمكنك الوصول إلى حسابك فقط."),
        P::PasswordManagedElsewhere => words(
            "كلمة المرور تُدار في مكان آخر",
            "تسجّل الدخول عبر صفحة تسجيل الدخول الخاصة بشركتك، لذا تُغيَّر كلمة المرور هناك وليس هنا.",
        ),
        P::Csrf => words(
            "رمز CSRF مفقود أو غير صالح",
            "أرسل csrf_token الخاص بالجلسة في الترويسة X-CSRF-Token.",
        ),
        P::DownloadLinkExpired => words(
            "رابط التنزيل غير صالح",
            "انتهت صلاحية رابط التنزيل هذا. ابدأ التنزيل مرة أخرى من صفحة المستندات.",
        ),
        P::DownloadLinkOtherBrowser => words(
            "رابط التنزيل غير صالح",
            "يعمل رابط التنزيل هذا فقط في المتصفح الذي سجّل الدخول وطلبه.",
        ),
        P::DownloadLinkInvalid => words("رابط التنزيل غير صالح", "رابط التنزيل هذا غير صالح."),
        P::NotFound(resource) => words(
            "غير موجود",
            match resource {
                Resource::Case => "الطلب غير موجود.",
                Resource::Document => "المستند غير موجود.",
                Resource::Attachment => "المرفق غير موجود.",
                Resource::Product => "المنتج غير موجود.",
                Resource::Appointment => "الموعد غير موجود.",
                Resource::Form => "النموذج غير موجود.",
                Resource::Profile => "الملف الشخصي غير موجود.",
                Resource::Export => "التصدير غير موجود.",
            },
        ),
        P::IdempotencyInFlight => words(
            "الطلب قيد المعالجة بالفعل",
            "ما زال طلب بمفتاح Idempotency-Key هذا قيد المعالجة؛ أعد المحاولة بعد قليل.",
        ),
        P::IdempotencyKeyReused => words(
            "أُعيد استخدام Idempotency-Key",
            "استُخدم مفتاح Idempotency-Key هذا من قبل مع محتوى طلب مختلف.",
        ),
        P::CaseClosed => words(
            "الطلب مغلق",
            "هذا الطلب مغلق ولا يقبل ردودًا أخرى. أعد فتحه أو افتح طلبًا جديدًا.",
        ),
        P::TooMany { action, retry_secs } => words(
            "طلبات كثيرة جدًا",
            match action {
                Action::NewCases => {
                    format!("طلبات جديدة كثيرة جدًا. يمكنك إنشاء طلب آخر بعد {retry_secs} ثانية.")
                }
                Action::Replies => {
                    format!("ردود كثيرة جدًا. يمكنك إرسال رد آخر بعد {retry_secs} ثانية.")
                }
                Action::StatusChanges => format!(
                    "أُغلقت طلبات كثيرة جدًا أو أُعيد فتحها. يمكنك إغلاق طلب آخر أو إعادة \
                     فتحه بعد {retry_secs} ثانية."
                ),
                Action::Uploads => {
                    format!("رُفعت ملفات كثيرة جدًا. يمكنك رفع ملف آخر بعد {retry_secs} ثانية.")
                }
                Action::Bookings => format!(
                    "حجوزات أو إلغاءات أو تغييرات كثيرة جدًا. يمكنك إجراء غيرها بعد \
                     {retry_secs} ثانية."
                ),
                Action::PasswordResets => format!(
                    "طلبات كثيرة جدًا لإعادة تعيين كلمة المرور. يمكنك الطلب مرة أخرى بعد {retry_secs} ثانية."
                ),
                Action::ProfileChanges => format!(
                    "تغييرات كثيرة جدًا على الملف الشخصي. يمكنك تغييره مرة أخرى بعد {retry_secs} ثانية."
                ),
                Action::ProductResponses => format!(
                    "ردود كثيرة جدًا على التوصيات. يمكنك إرسال رد آخر بعد {retry_secs} ثانية."
                ),
                Action::Exports => {
                    format!("عمليات تصدير كثيرة جدًا. يمكنك بدء تصدير آخر بعد {retry_secs} ثانية.")
                }
            },
        ),
        P::ReopenNotOffered { case_number } => words(
            "لم يعد من الممكن إعادة فتح هذا الطلب",
            format!(
                "لا يمكن إعادة فتح الطلبات المغلقة هنا. يُرجى فتح طلب جديد وذكر الطلب \
                 {case_number}."
            ),
        ),
        P::ReopenWindowClosed {
            case_number,
            window_days,
        } => words(
            "لم يعد من الممكن إعادة فتح هذا الطلب",
            format!(
                "أُغلق الطلب {case_number} منذ أكثر من {window_days} يومًا، لذا لم يعد من \
                 الممكن إعادة فتحه. يُرجى فتح طلب جديد وذكر الطلب {case_number}."
            ),
        ),
        P::SlotTaken => words(
            "هذا الوقت لم يعد متاحًا",
            "حجز شخص ما هذا الوقت للتو، أو أنه لم يعد متاحًا. يُرجى اختيار وقت آخر؛ تسرد \
             fresh_slots الأوقات المتاحة الآن.",
        ),
        P::AppointmentCutoff {
            deadline,
            cutoff_hours,
        } => words(
            "فات أوان تغيير هذا الموعد",
            format!(
                "يمكن إلغاء المواعيد أو تغييرها هنا حتى {cutoff_hours} ساعة قبل بدئها؛ وكان ذلك \
                 لهذا الموعد في {deadline} UTC. يُرجى التواصل معنا مباشرة لتغييره."
            ),
        ),
        P::AppointmentCancelled => words(
            "أُلغي الموعد",
            "أُلغي هذا الموعد، لذا لا يمكن تغييره. يُرجى حجز موعد جديد.",
        ),
        P::AttachmentTooLarge { limit } => words(
            "الملف كبير جدًا",
            format!("الملف أكبر من {limit} التي تقبلها البوابة، لذا لم يُحفظ."),
        ),
        P::AttachmentType { allowed } => words(
            "نوع الملف غير مقبول",
            format!("محتوى الملف ليس من نوع تقبله البوابة، لذا لم يُحفظ. المقبول: {allowed}."),
        ),
        P::SignInThrottled { retry_secs } => words(
            "محاولات تسجيل دخول كثيرة جدًا",
            format!("محاولات تسجيل دخول كثيرة جدًا. حاول مرة أخرى بعد {retry_secs} ثانية."),
        ),
        P::SignInBusy { retry_secs } => words(
            "تسجيل الدخول مشغول",
            format!("يسجّل كثير من الأشخاص الدخول الآن. حاول مرة أخرى بعد {retry_secs} ثانية."),
        ),
        P::SalesforceBudget { retry_secs } => words(
            "طلبات كثيرة جدًا لبيانات حديثة",
            format!(
                "طلبت في وقت قصير بيانات كثيرة ليست جاهزة بعد. حاول مرة أخرى بعد {retry_secs} \
                 ثانية؛ الصفحات التي رأيتها من قبل ما زالت تعمل."
            ),
        ),
        P::Unavailable => words(
            "الخدمة غير متاحة",
            "نظام تعتمد عليه البوابة غير متاح الآن. يُرجى المحاولة مرة أخرى بعد دقيقة.",
        ),
        P::StorageFull => words(
            "تعذّر الحفظ الآن",
            "لا توجد لدى البوابة مساحة لحفظ بيانات جديدة حاليًا، لذا لم يُحفظ شيء. يُرجى \
             المحاولة لاحقًا؛ مع مفتاح Idempotency-Key نفسه لا تُنشئ إعادة المحاولة طلبًا ثانيًا \
             أبدًا.",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One of each kind of problem, with values that show in its sentences. The `match` makes
    /// a new kind fail to compile until it is added here too.
    fn every_text() -> Vec<ProblemText> {
        use ProblemText as P;
        let all = vec![
            P::NoSuchAddress,
            P::MethodNotAllowed,
            P::RequestTooLarge,
            P::Busy,
            P::UnsupportedMediaType,
            P::BadRequest,
            P::Internal,
            P::Validation,
            P::QueryTooLong { max_bytes: 4096 },
            P::InvalidJson,
            P::MultipartUnreadable {
                reason: "stream ended early".into(),
            },
            P::Unauthenticated,
            P::BadCredentials,
            P::OtherAccount,
            P::CompanyCasesManagersOnly,
            P::ExportManagersOnly,
            P::PasswordManagedElsewhere,
            P::Csrf,
            P::DownloadLinkExpired,
            P::DownloadLinkOtherBrowser,
            P::DownloadLinkInvalid,
            P::NotFound(Resource::Case),
            P::NotFound(Resource::Document),
            P::NotFound(Resource::Attachment),
            P::NotFound(Resource::Product),
            P::NotFound(Resource::Appointment),
            P::NotFound(Resource::Form),
            P::NotFound(Resource::Profile),
            P::NotFound(Resource::Export),
            P::IdempotencyInFlight,
            P::IdempotencyKeyReused,
            P::CaseClosed,
            P::TooMany {
                action: Action::NewCases,
                retry_secs: 47,
            },
            P::TooMany {
                action: Action::Replies,
                retry_secs: 47,
            },
            P::TooMany {
                action: Action::StatusChanges,
                retry_secs: 47,
            },
            P::TooMany {
                action: Action::Uploads,
                retry_secs: 47,
            },
            P::TooMany {
                action: Action::Bookings,
                retry_secs: 47,
            },
            P::TooMany {
                action: Action::ProductResponses,
                retry_secs: 47,
            },
            P::TooMany {
                action: Action::PasswordResets,
                retry_secs: 47,
            },
            P::TooMany {
                action: Action::ProfileChanges,
                retry_secs: 47,
            },
            P::TooMany {
                action: Action::Exports,
                retry_secs: 47,
            },
            P::ReopenNotOffered {
                case_number: "00001234".into(),
            },
            P::ReopenWindowClosed {
                case_number: "00001234".into(),
                window_days: 14,
            },
            P::SlotTaken,
            P::AppointmentCutoff {
                deadline: "2026-12-24 09:30".into(),
                cutoff_hours: 24,
            },
            P::AppointmentCancelled,
            P::AttachmentTooLarge {
                limit: "25 MB".into(),
            },
            P::AttachmentType {
                allowed: "PDF, PNG".into(),
            },
            P::SignInThrottled { retry_secs: 47 },
            P::SignInBusy { retry_secs: 47 },
            P::SalesforceBudget { retry_secs: 47 },
            P::Unavailable,
            P::StorageFull,
        ];
        for text in &all {
            match text {
                P::NoSuchAddress
                | P::MethodNotAllowed
                | P::RequestTooLarge
                | P::Busy
                | P::UnsupportedMediaType
                | P::BadRequest
                | P::Internal
                | P::Validation
                | P::QueryTooLong { .. }
                | P::InvalidJson
                | P::MultipartUnreadable { .. }
                | P::Unauthenticated
                | P::BadCredentials
                | P::OtherAccount
                | P::CompanyCasesManagersOnly
                | P::ExportManagersOnly
                | P::PasswordManagedElsewhere
                | P::Csrf
                | P::DownloadLinkExpired
                | P::DownloadLinkOtherBrowser
                | P::DownloadLinkInvalid
                | P::NotFound(_)
                | P::IdempotencyInFlight
                | P::IdempotencyKeyReused
                | P::CaseClosed
                | P::TooMany { .. }
                | P::ReopenNotOffered { .. }
                | P::ReopenWindowClosed { .. }
                | P::SlotTaken
                | P::AppointmentCutoff { .. }
                | P::AppointmentCancelled
                | P::AttachmentTooLarge { .. }
                | P::AttachmentType { .. }
                | P::SignInThrottled { .. }
                | P::SignInBusy { .. }
                | P::SalesforceBudget { .. }
                | P::Unavailable
                | P::StorageFull => {}
            }
        }
        all
    }

    /// The values a text carries, which every language's sentence must contain.
    fn values(text: &ProblemText) -> Vec<String> {
        use ProblemText as P;
        match text {
            P::QueryTooLong { max_bytes } => vec![max_bytes.to_string()],
            P::MultipartUnreadable { reason } => vec![reason.clone()],
            P::TooMany { retry_secs, .. }
            | P::SignInThrottled { retry_secs }
            | P::SignInBusy { retry_secs }
            | P::SalesforceBudget { retry_secs } => vec![retry_secs.to_string()],
            P::ReopenNotOffered { case_number } => vec![case_number.clone()],
            P::ReopenWindowClosed {
                case_number,
                window_days,
            } => vec![case_number.clone(), window_days.to_string()],
            P::AppointmentCutoff {
                deadline,
                cutoff_hours,
            } => vec![deadline.clone(), cutoff_hours.to_string()],
            P::AttachmentTooLarge { limit } => vec![limit.clone()],
            P::AttachmentType { allowed } => vec![allowed.clone()],
            // The names of fields and headers a client acts on stay as the API spells them.
            P::Csrf => vec!["csrf_token".into(), "X-CSRF-Token".into()],
            P::IdempotencyInFlight | P::IdempotencyKeyReused | P::StorageFull => {
                vec!["Idempotency-Key".into()]
            }
            P::SlotTaken => vec!["fresh_slots".into()],
            P::Validation => vec!["errors".into()],
            _ => Vec::new(),
        }
    }

    #[test]
    fn every_language_says_every_problem_with_its_values() {
        for text in every_text() {
            let (english_title, english_detail) = text.render(Language::En);
            for language in Language::ALL {
                let (title, detail) = text.render(language);
                assert!(
                    !title.trim().is_empty() && !detail.trim().is_empty(),
                    "{language}: {text:?}"
                );
                for value in values(&text) {
                    assert!(
                        detail.contains(&value),
                        "{language}: {text:?} lost {value:?}: {detail}"
                    );
                }
                if language != Language::En {
                    assert_ne!(
                        title, english_title,
                        "{language}: {text:?} title untranslated"
                    );
                    assert_ne!(
                        detail, english_detail,
                        "{language}: {text:?} detail untranslated"
                    );
                }
            }
        }
    }

    /// Different problems are told apart in every language: no sentence was pasted twice.
    #[test]
    fn no_two_problems_share_a_detail() {
        for language in Language::ALL {
            let mut seen = std::collections::HashMap::new();
            for text in every_text() {
                let (_, detail) = text.render(language);
                if let Some(earlier) = seen.insert(detail.clone(), text.clone()) {
                    panic!("{language}: {earlier:?} and {text:?} both say {detail:?}");
                }
            }
        }
    }

    #[test]
    fn every_rate_limit_policy_names_its_action() {
        let policies = [
            ("case-create", Action::NewCases),
            ("comment-create", Action::Replies),
            ("case-status", Action::StatusChanges),
            ("attachment-upload", Action::Uploads),
            ("appointment-write", Action::Bookings),
            ("recommendation-write", Action::ProductResponses),
            ("profile-update", Action::ProfileChanges),
            ("password-reset-email", Action::PasswordResets),
            ("export-start", Action::Exports),
        ];
        for (policy, action) in policies {
            assert_eq!(Action::of_policy(policy), action, "{policy}");
        }
    }
}
