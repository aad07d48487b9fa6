//! Notifications by e-mail over SMTP (lettre): the recipient's language, a plain-text and an
//! HTML part, the link to the page. The channel's address says how to connect:
//! `smtp://host:587` (STARTTLS), `smtps://host:465` (TLS from the start) or
//! `smtp+plain://host:25` (no TLS, for a relay on the same machine); its settings name the
//! sender (`from`) and, with the channel's secret as password, the account (`user`).

use crate::notify::{DeliveryConfig, Rendered};
use kaohe_store::{Lang, OutboxMessage};
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The message's two bodies: plain text and HTML.
pub fn bodies(r: &Rendered, lang: Lang) -> (String, String) {
    let plain = format!("{}\n\n{}\n\n{}: {}\n", r.title, r.text, r.open, r.link);
    let html = format!(
        "<!DOCTYPE html><html lang=\"{}\"><head><meta charset=\"utf-8\"><title>{}</title></head><body>\
         <h2>{}</h2><p>{}</p><p><a href=\"{}\">{}</a></p></body></html>",
        if lang == Lang::En { "en" } else { "zh-CN" },
        escape(&r.title),
        escape(&r.title),
        escape(&r.text),
        escape(&r.link),
        escape(&r.open),
    );
    (plain, html)
}

/// Send `m` by e-mail: Ok, or why not.
pub async fn send(m: &OutboxMessage, r: &Rendered, cfg: &DeliveryConfig) -> Result<(), String> {
    let ch = &m.channel;
    let to = m
        .email
        .as_deref()
        .ok_or_else(|| format!("user {} has no e-mail address", m.recipient))?;
    let from = ch
        .settings
        .get("from")
        .ok_or("the e-mail channel names no sender (from)")?;
    let (plain, html) = bodies(r, m.lang);
    let msg = Message::builder()
        .from(
            from.parse::<Mailbox>()
                .map_err(|e| format!("sender {from}: {e}"))?,
        )
        .to(to
            .parse::<Mailbox>()
            .map_err(|e| format!("recipient {to}: {e}"))?)
        .subject(&r.title)
        .message_id(Some(format!(
            "<{}@kaohe>",
            m.idem_key.replace([':', ' '], ".")
        )))
        .multipart(MultiPart::alternative_plain_html(plain, html))
        .map_err(|e| e.to_string())?;
    let (scheme, rest) = ch
        .url
        .split_once("://")
        .ok_or_else(|| format!("not an SMTP address: {}", ch.url))?;
    let rest = rest.trim_end_matches('/');
    let (host, port) = match rest.rsplit_once(':') {
        Some((h, p)) => (
            h.to_string(),
            Some(
                p.parse::<u16>()
                    .map_err(|_| format!("bad port in {}", ch.url))?,
            ),
        ),
        None => (rest.to_string(), None),
    };
    let builder = match scheme {
        "smtp+plain" => {
            AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&host).port(port.unwrap_or(25))
        }
        #[cfg(feature = "tls")]
        "smtp" => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&host)
            .map_err(|e| e.to_string())?
            .port(port.unwrap_or(587)),
        #[cfg(feature = "tls")]
        "smtps" => AsyncSmtpTransport::<Tokio1Executor>::relay(&host)
            .map_err(|e| e.to_string())?
            .port(port.unwrap_or(465)),
        other => {
            return Err(format!(
                "{other}:// is not supported by this build (e-mail needs the tls feature, or smtp+plain://)"
            ));
        }
    };
    let mut builder = builder.timeout(Some(cfg.timeout));
    if let (Some(user), Some(pass)) = (ch.settings.get("user"), ch.secret.as_deref())
        && !user.is_empty()
    {
        builder = builder.credentials(Credentials::new(user.clone(), pass.to_string()));
    }
    builder
        .build()
        .send(msg)
        .await
        .map(|_| ())
        .map_err(|e| format!("SMTP: {e}"))
}
