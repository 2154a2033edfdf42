//! Settings, from (later wins) built-in defaults, a TOML file, `TEGOED_*` environment
//! variables, and command-line flags.

use std::path::Path;

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

/// Everything Tegoed can be told at start.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// `sqlite:PATH` or `postgres://…` (env TEGOED_DATABASE).
    pub database: String,
    /// Address the server listens on (env TEGOED_LISTEN).
    pub listen: String,
    /// Token for the tenant admin API; unset disables it (env TEGOED_ADMIN_TOKEN).
    pub admin_token: Option<String>,
    /// Log level: error, warn, info, debug or trace (env TEGOED_LOG).
    pub log: String,
    /// Time of day (Europe/Amsterdam) of the daily dunning run in `serve`, or `off`
    /// (env TEGOED_RUN_AT).
    pub run_at: String,
    /// Mail server for messages to debtors: `smtp://host:port`, `smtp://…?tls=required`
    /// (STARTTLS) or `smtps://user:password@host:465`; unset: no email is sent
    /// (env TEGOED_SMTP_URL).
    pub smtp_url: Option<String>,
    /// Sender address of email to debtors; the creditor's name is shown as the sender's name
    /// and replies go to its desk (env TEGOED_MAIL_FROM).
    pub mail_from: String,
    /// Folder the daily run in `serve` writes each tenant's print file of letters into; unset:
    /// letters wait for `tegoed letters` (env TEGOED_LETTERS_DIR).
    pub letters_dir: Option<std::path::PathBuf>,
    /// Tegoed's address as debtors and providers reach it (`https://incasso.example.nl`): payment
    /// links and webhooks are made from it; unset: no payment links (env TEGOED_PUBLIC_URL).
    pub public_url: Option<String>,
    /// Tegoed runs behind a reverse proxy: the debtor portal's guard against guessing reads the
    /// client's address from the last `X-Forwarded-For` hop (env TEGOED_BEHIND_PROXY).
    pub behind_proxy: bool,
    /// Mollie API key (`live_…`/`test_…`): payment links take payments (env TEGOED_MOLLIE_API_KEY).
    pub mollie_api_key: Option<String>,
    /// Mollie's API root (env TEGOED_MOLLIE_API).
    pub mollie_api: String,
    /// Twilio account SID: SMS are sent (env TEGOED_TWILIO_ACCOUNT_SID).
    pub twilio_account_sid: Option<String>,
    /// Twilio auth token (env TEGOED_TWILIO_AUTH_TOKEN).
    pub twilio_auth_token: Option<String>,
    /// SMS sender: number, alphanumeric id or messaging service SID (env TEGOED_TWILIO_FROM).
    pub twilio_from: Option<String>,
    /// Twilio's API root (env TEGOED_TWILIO_API).
    pub twilio_api: String,
    /// WhatsApp Cloud API access token: WhatsApp messages are sent (env TEGOED_WHATSAPP_TOKEN).
    pub whatsapp_token: Option<String>,
    /// The WhatsApp business phone number's id (env TEGOED_WHATSAPP_PHONE_NUMBER_ID).
    pub whatsapp_phone_number_id: Option<String>,
    /// The Meta app secret that signs WhatsApp webhooks (env TEGOED_WHATSAPP_APP_SECRET).
    pub whatsapp_app_secret: Option<String>,
    /// The verify token of the WhatsApp webhook subscription (env TEGOED_WHATSAPP_VERIFY_TOKEN).
    pub whatsapp_verify_token: Option<String>,
    /// The WhatsApp Cloud API root with version (env TEGOED_WHATSAPP_API).
    pub whatsapp_api: String,
    /// Prefix of the approved WhatsApp templates, one per step (env TEGOED_WHATSAPP_TEMPLATE_PREFIX).
    pub whatsapp_template_prefix: String,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            database: "sqlite:tegoed.db".into(),
            listen: "127.0.0.1:8080".into(),
            admin_token: None,
            log: "info".into(),
            run_at: "06:30".into(),
            smtp_url: None,
            mail_from: "noreply@localhost".into(),
            letters_dir: None,
            public_url: None,
            behind_proxy: false,
            mollie_api_key: None,
            mollie_api: "https://api.mollie.com".into(),
            twilio_account_sid: None,
            twilio_auth_token: None,
            twilio_from: None,
            twilio_api: "https://api.twilio.com".into(),
            whatsapp_token: None,
            whatsapp_phone_number_id: None,
            whatsapp_app_secret: None,
            whatsapp_verify_token: None,
            whatsapp_api: "https://graph.facebook.com/v21.0".into(),
            whatsapp_template_prefix: "tegoed_".into(),
        }
    }
}

/// Flag values that override the file and the environment when given.
#[derive(Debug, Default, Serialize)]
pub struct Overrides {
    /// `--database`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database: Option<String>,
    /// `--listen`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listen: Option<String>,
}

/// Reads the settings. A named file must exist; `tegoed.toml` in the working directory is read
/// when present.
pub fn load(file: Option<&Path>, overrides: &Overrides) -> Result<Config, Box<figment::Error>> {
    let mut fig = Figment::from(Serialized::defaults(Config::default()));
    match file {
        Some(path) => {
            if !path.exists() {
                return Err(Box::new(figment::Error::from(format!("config file {} does not exist", path.display()))));
            }
            fig = fig.merge(Toml::file_exact(path));
        }
        None => fig = fig.merge(Toml::file("tegoed.toml")),
    }
    // Only the keys above: other TEGOED_* variables (TEGOED_CONFIG, the tests' own) are not settings.
    let env = Env::prefixed("TEGOED_").only(&[
        "database",
        "listen",
        "admin_token",
        "log",
        "run_at",
        "smtp_url",
        "mail_from",
        "letters_dir",
        "public_url",
        "behind_proxy",
        "mollie_api_key",
        "mollie_api",
        "twilio_account_sid",
        "twilio_auth_token",
        "twilio_from",
        "twilio_api",
        "whatsapp_token",
        "whatsapp_phone_number_id",
        "whatsapp_app_secret",
        "whatsapp_verify_token",
        "whatsapp_api",
        "whatsapp_template_prefix",
    ]);
    fig.merge(env).merge(Serialized::defaults(overrides)).extract().map_err(Box::new)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    // The closure's error type is figment's own, fixed by `Jail::expect_with`.
    #[allow(clippy::result_large_err)]
    fn later_sources_win() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("t.toml", "database = \"sqlite:from-file.db\"\nlisten = \"127.0.0.1:9000\"\n")?;
            jail.set_env("TEGOED_LISTEN", "127.0.0.1:9100");
            jail.set_env("TEGOED_SOMETHING_ELSE", "not a setting");
            let c = load(Some(Path::new("t.toml")), &Overrides::default()).map_err(|e| *e)?;
            assert_eq!(c.database, "sqlite:from-file.db");
            assert_eq!(c.listen, "127.0.0.1:9100");
            let c = load(Some(Path::new("t.toml")), &Overrides { database: Some("sqlite:flag.db".into()), ..Default::default() })
                .map_err(|e| *e)?;
            assert_eq!(c.database, "sqlite:flag.db");
            assert!(load(Some(Path::new("missing.toml")), &Overrides::default()).is_err());
            jail.create_file("bad.toml", "databse = \"x\"\n")?;
            assert!(load(Some(Path::new("bad.toml")), &Overrides::default()).is_err(), "a misspelt key is an error");
            Ok(())
        });
    }
}
