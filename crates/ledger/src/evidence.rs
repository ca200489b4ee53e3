//! The typed `evidence.added` event, the entry that ties an evidence file to a control.

use crate::error::{Error, Result};
use crate::{blob, timefmt};
use serde_json::{Map, Value, json};

/// Entry type of an evidence record.
pub const EVIDENCE_ADDED: &str = "evidence.added";

/// Evidence recorded for a control. Three times are kept apart on purpose: when the
/// evidence was produced (`collected_at`), which date it speaks for (`effective`, e.g.
/// the quarter's access review) and when it entered the ledger (`recorded_at`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvidenceAdded {
    pub control: String,
    /// `sha256:<hex>` of the evidence file in the blob store.
    pub blob: String,
    pub file_name: String,
    pub kind: String,
    pub recorded_by: String,
    /// RFC 3339 UTC.
    pub recorded_at: String,
    /// RFC 3339.
    pub collected_at: String,
    /// `YYYY-MM-DD`.
    pub effective: String,
    pub note: Option<String>,
}

fn field(field: &'static str, message: impl Into<String>) -> Error {
    Error::Field {
        field,
        message: message.into(),
    }
}

impl EvidenceAdded {
    /// Checks every field; entries that fail are never written.
    pub fn validate(&self) -> Result<()> {
        for (name, v) in [
            ("control", &self.control),
            ("file_name", &self.file_name),
            ("kind", &self.kind),
            ("recorded_by", &self.recorded_by),
        ] {
            if v.trim().is_empty() {
                return Err(field(name, "must not be empty"));
            }
        }
        if blob::parse_blob_id(&self.blob).is_none() {
            return Err(field("blob", "must be sha256:<64 lowercase hex>"));
        }
        if !(timefmt::is_rfc3339(&self.recorded_at) && self.recorded_at.ends_with('Z')) {
            return Err(field(
                "recorded_at",
                "must be an RFC 3339 UTC time ending in Z",
            ));
        }
        if !timefmt::is_rfc3339(&self.collected_at) {
            return Err(field("collected_at", "must be an RFC 3339 time"));
        }
        if !timefmt::is_date(&self.effective) {
            return Err(field("effective", "must be a YYYY-MM-DD date"));
        }
        Ok(())
    }

    pub fn to_value(&self) -> Result<Value> {
        self.validate()?;
        let mut v = json!({
            "type": EVIDENCE_ADDED,
            "control": self.control,
            "blob": self.blob,
            "file_name": self.file_name,
            "kind": self.kind,
            "recorded_by": self.recorded_by,
            "recorded_at": self.recorded_at,
            "collected_at": self.collected_at,
            "effective": self.effective,
        });
        if let (Some(n), Some(m)) = (&self.note, v.as_object_mut()) {
            m.insert("note".into(), Value::String(n.clone()));
        }
        Ok(v)
    }

    /// Reads an `evidence.added` entry back; `None` for entries of other types.
    pub fn from_value(v: &Value) -> Option<Result<Self>> {
        let m: &Map<String, Value> = v.as_object()?;
        if m.get("type")?.as_str()? != EVIDENCE_ADDED {
            return None;
        }
        let s = |k: &'static str| -> Result<String> {
            m.get(k)
                .and_then(Value::as_str)
                .map(str::to_string)
                .ok_or_else(|| field(k, "missing or not a string"))
        };
        let build = || -> Result<Self> {
            let e = Self {
                control: s("control")?,
                blob: s("blob")?,
                file_name: s("file_name")?,
                kind: s("kind")?,
                recorded_by: s("recorded_by")?,
                recorded_at: s("recorded_at")?,
                collected_at: s("collected_at")?,
                effective: s("effective")?,
                note: m.get("note").and_then(Value::as_str).map(str::to_string),
            };
            e.validate()?;
            Ok(e)
        };
        Some(build())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn roundtrip_and_validation() {
        let e = EvidenceAdded {
            control: "AC-03".into(),
            blob: format!("sha256:{}", "ab".repeat(32)),
            file_name: "review.pdf".into(),
            kind: "attestation".into(),
            recorded_by: "alice".into(),
            recorded_at: "2026-04-02T10:00:00Z".into(),
            collected_at: "2026-03-28T16:00:00+01:00".into(),
            effective: "2026-03-31".into(),
            note: Some("Q1 review".into()),
        };
        let v = e.to_value().unwrap();
        assert_eq!(EvidenceAdded::from_value(&v).unwrap().unwrap(), e);
        let mut bad = e.clone();
        bad.effective = "2026-02-30".into();
        assert!(bad.to_value().is_err());
        let mut bad = e;
        bad.blob = "sha256:AB".into();
        assert!(bad.to_value().is_err());
        assert!(EvidenceAdded::from_value(&json!({"type": "incident.opened"})).is_none());
    }
}
