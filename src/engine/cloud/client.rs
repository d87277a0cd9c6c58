//! The CloudWatch client of a source: made on first use from the AWS config files, and made again
//! when AWS turned its credentials down and the user has refreshed them (`aws sso login`, new
//! keys in the credentials file). A client caches the credentials it read, so the refreshed ones
//! are only seen by a new one. Work that CloudWatch refused or did not answer waits here for the
//! user's retry.

use std::sync::Mutex;

use tokio::sync::Notify;

use crate::engine::event::{Event, Report};
use crate::source::cloudwatch::{CloudError, Connect, SdkLogs};
use crate::text::sanitize;

#[derive(Debug, Default)]
pub struct ClientSlot {
    client: Mutex<Option<SdkLogs>>,
    retry: Notify,
}

impl ClientSlot {
    /// The client, connected when there is none.
    pub async fn get(&self, connect: &Connect) -> SdkLogs {
        if let Some(client) = self.current() {
            return client;
        }
        let made = SdkLogs::connect(connect).await;
        let mut slot = self.client.lock().unwrap_or_else(|e| e.into_inner());
        // Another task may have connected meanwhile: one client for all.
        slot.get_or_insert(made).clone()
    }

    fn current(&self) -> Option<SdkLogs> {
        self.client
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The next use connects again, reading the credentials afresh.
    pub fn forget(&self) {
        *self.client.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }

    /// The user says the credentials are refreshed: whoever waits tries again, on a new client.
    pub fn retry(&self) {
        self.forget();
        self.retry.notify_waiters();
    }

    /// Tells the user why AWS refused or did not answer and how to go on, then waits until they
    /// ask to retry (having refreshed the credentials, when those were refused).
    pub async fn wait_for_retry(&self, error: &CloudError, report: &Report) {
        let then = "press R and kaudit carries on where it stopped";
        let advice = if error.is_credentials() {
            self.forget();
            refresh_advice(error, then)
        } else {
            sanitize(&format!(
                "CloudWatch did not answer, retries spent: {then} · {error}"
            ))
            .into_owned()
        };
        let notified = self.retry.notified();
        tokio::pin!(notified);
        // Waiting before the user is asked: a retry asked at once is not missed.
        notified.as_mut().enable();
        report.send(Event::WaitingForRetry(advice));
        notified.await;
    }
}

/// What to say when AWS turns the credentials down, to whoever can retry (the console): what to
/// do first (a status line is one line), what then, and AWS's words.
pub fn refresh_advice(error: &CloudError, then: &str) -> String {
    let why = match error {
        CloudError::BadCredentials { code, message } => format!("{code}: {message}"),
        CloudError::NoCredentials { detail } => format!("no credentials found: {detail}"),
        other => other.to_string(),
    };
    let from_environment = std::env::var_os("AWS_ACCESS_KEY_ID").is_some_and(|v| !v.is_empty());
    let text = if from_environment {
        format!(
            "AWS turned down the credentials in kaudit's environment (AWS_ACCESS_KEY_ID), which a running kaudit cannot see change: quit and start it with fresh ones · {why}"
        )
    } else {
        format!(
            "AWS turned down the credentials: refresh them (aws sso login, or new keys in the credentials file), then {then} · {why}"
        )
    };
    sanitize(&text).into_owned()
}
