//! Events the engine reads from the ledger. Each is one JSON ledger entry with a `type`;
//! entries of other types (written by other parts of Covenant) are ignored here.

use covenant_model::duration::Duration;
use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum Event {
    /// Evidence for a control; `effective` is the date the activity happened, which can be
    /// earlier than `recorded_at` (a March review uploaded in April counts for March).
    #[serde(rename = "evidence.added")]
    EvidenceAdded {
        control: String,
        kind: String,
        effective: Date,
        recorded_at: Timestamp,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        blob: Option<String>,
    },
    /// A confirmed security incident: starts the customer-notice clock. `within` records
    /// the terms in force when the clock started, so later edits to the commitment do not
    /// move this deadline.
    #[serde(rename = "incident.opened")]
    IncidentOpened {
        incident: String,
        title: String,
        at: Timestamp,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        commitment: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        within: Option<Duration>,
    },
    #[serde(rename = "incident.notified")]
    IncidentNotified { incident: String, at: Timestamp },
    #[serde(rename = "incident.closed")]
    IncidentClosed { incident: String, at: Timestamp },
    /// A release; `fixes` lists the findings whose fix it ships.
    #[serde(rename = "release.recorded")]
    ReleaseRecorded {
        version: String,
        at: Timestamp,
        #[serde(default)]
        fixes: Vec<String>,
    },
    /// A waiver or risk acceptance of one obligation until a date.
    #[serde(rename = "waiver.granted")]
    WaiverGranted {
        obligation: String,
        reason: String,
        approver: String,
        until: Timestamp,
        at: Timestamp,
    },
    /// A customer's request (for a document, a questionnaire) that a notice commitment covers.
    #[serde(rename = "request.received")]
    RequestReceived {
        request: String,
        title: String,
        at: Timestamp,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        commitment: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        within: Option<Duration>,
    },
    #[serde(rename = "request.answered")]
    RequestAnswered { request: String, at: Timestamp },
    /// A notice sent about any subject (a finding's advisory, an incident, a request).
    #[serde(rename = "notice.sent")]
    NoticeSent { subject: String, at: Timestamp },
    /// Any entry the engine does not read.
    #[serde(other)]
    Other,
}

/// An entry that claims to be an engine event but does not parse.
#[derive(Debug, Clone, PartialEq, Serialize, thiserror::Error)]
#[error("ledger entry {seq}: {message}")]
pub struct EventError {
    pub seq: u64,
    pub message: String,
}

/// Reads events from ledger entries, keeping the sequence number of each. Entries that
/// fail to parse are returned as errors and skipped, so one bad entry hides nothing else.
pub fn parse_events<'a>(
    entries: impl IntoIterator<Item = (u64, &'a serde_json::Value)>,
) -> (Vec<(u64, Event)>, Vec<EventError>) {
    let mut events = Vec::new();
    let mut errors = Vec::new();
    for (seq, value) in entries {
        match Event::deserialize(value) {
            Ok(Event::Other) => {}
            Ok(e) => events.push((seq, e)),
            Err(e) => errors.push(EventError {
                seq,
                message: e.to_string(),
            }),
        }
    }
    (events, errors)
}
