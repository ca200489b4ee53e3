//! A YAML document as a tree of nodes that remember where they came from.
//!
//! yaml-rust2 does the parsing; this module only keeps each node's position so that every
//! later error can name a line and column, which the usual serde YAML crates lose.

use crate::span::Span;
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

/// Aliases can expand a small file into a huge tree ("billion laughs"); refuse beyond this.
const MAX_NODES: usize = 1_000_000;

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub kind: NodeKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum NodeKind {
    /// An empty value or `~` / `null`.
    Null,
    /// A scalar; `plain` is false for quoted and block scalars, which are always strings.
    Scalar {
        value: String,
        plain: bool,
    },
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

impl Node {
    /// What kind of YAML value this is, in words for error messages.
    pub fn describe(&self) -> &'static str {
        match &self.kind {
            NodeKind::Null => "an empty value",
            NodeKind::Scalar { .. } => "a scalar",
            NodeKind::Seq(_) => "a list",
            NodeKind::Map(_) => "a mapping",
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            NodeKind::Scalar { value, .. } => Some(value),
            _ => None,
        }
    }

    /// The value under `key` when this node is a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.kind {
            NodeKind::Map(entries) => entries
                .iter()
                .find(|(k, _)| k.as_str() == Some(key))
                .map(|(_, v)| v),
            _ => None,
        }
    }
}

/// A YAML syntax error with its position.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct SyntaxError {
    pub message: String,
    pub span: Span,
}

/// Parses one YAML document. An empty file gives `Ok(None)`; several documents are an error.
pub fn parse(source: &str) -> Result<Option<Node>, SyntaxError> {
    let mut builder = Builder::default();
    let mut parser = Parser::new_from_str(source);
    parser.load(&mut builder, true).map_err(|e| SyntaxError {
        message: e.info().to_string(),
        span: span_of(e.marker()),
    })?;
    if let Some(err) = builder.error {
        return Err(err);
    }
    let mut docs = builder.documents;
    match docs.len() {
        0 => Ok(None),
        1 => Ok(docs.pop()),
        _ => Err(SyntaxError {
            message: "this file holds more than one YAML document (`---`)".into(),
            span: docs.get(1).map(|d| d.span).unwrap_or_default(),
        }),
    }
}

fn span_of(m: &Marker) -> Span {
    // yaml-rust2 lines are 1-based and columns 0-based.
    Span::new(m.line(), m.col() + 1, m.index())
}

enum Frame {
    Seq(Node, usize),
    Map(Node, usize, Option<Node>),
}

#[derive(Default)]
struct Builder {
    stack: Vec<Frame>,
    documents: Vec<Node>,
    anchors: Vec<(usize, Node)>,
    nodes: usize,
    error: Option<SyntaxError>,
}

impl Builder {
    fn push_value(&mut self, node: Node, anchor: usize) {
        if anchor > 0 {
            self.anchors.push((anchor, node.clone()));
        }
        match self.stack.last_mut() {
            None => self.documents.push(node),
            Some(Frame::Seq(seq, _)) => {
                if let NodeKind::Seq(items) = &mut seq.kind {
                    items.push(node);
                }
            }
            Some(Frame::Map(map, _, pending)) => match pending.take() {
                None => *pending = Some(node),
                Some(key) => {
                    if let NodeKind::Map(entries) = &mut map.kind {
                        entries.push((key, node));
                    }
                }
            },
        }
    }

    fn count(&mut self, n: usize, span: Span) -> bool {
        self.nodes = self.nodes.saturating_add(n);
        if self.nodes > MAX_NODES && self.error.is_none() {
            self.error = Some(SyntaxError {
                message: format!("the document expands to more than {MAX_NODES} nodes (aliases?)"),
                span,
            });
        }
        self.error.is_none()
    }
}

fn size(node: &Node) -> usize {
    match &node.kind {
        NodeKind::Seq(items) => 1 + items.iter().map(size).sum::<usize>(),
        NodeKind::Map(entries) => {
            1 + entries
                .iter()
                .map(|(k, v)| size(k) + size(v))
                .sum::<usize>()
        }
        _ => 1,
    }
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        if self.error.is_some() {
            return;
        }
        let span = span_of(&mark);
        match ev {
            Event::Scalar(value, style, anchor, tag) => {
                if !self.count(1, span) {
                    return;
                }
                let plain = style == TScalarStyle::Plain && tag.is_none();
                let kind = if plain && matches!(value.as_str(), "" | "~" | "null" | "Null" | "NULL")
                {
                    NodeKind::Null
                } else {
                    NodeKind::Scalar { value, plain }
                };
                self.push_value(Node { kind, span }, anchor);
            }
            Event::SequenceStart(anchor, _) => {
                self.stack.push(Frame::Seq(
                    Node {
                        kind: NodeKind::Seq(Vec::new()),
                        span,
                    },
                    anchor,
                ));
            }
            Event::MappingStart(anchor, _) => {
                self.stack.push(Frame::Map(
                    Node {
                        kind: NodeKind::Map(Vec::new()),
                        span,
                    },
                    anchor,
                    None,
                ));
            }
            Event::SequenceEnd | Event::MappingEnd => {
                if let Some(Frame::Seq(mut node, anchor) | Frame::Map(mut node, anchor, _)) =
                    self.stack.pop()
                    && self.count(1, node.span)
                {
                    // yaml-rust2 marks a block mapping where it recognises the first key,
                    // at that key's `:`; point at the key itself instead.
                    if let NodeKind::Map(entries) = &node.kind
                        && let Some((first, _)) = entries.first()
                        && first.span.offset < node.span.offset
                    {
                        node.span = first.span;
                    }
                    self.push_value(node, anchor);
                }
            }
            Event::Alias(id) => {
                let found = self
                    .anchors
                    .iter()
                    .rev()
                    .find(|(a, _)| *a == id)
                    .map(|(_, n)| n.clone());
                match found {
                    Some(mut node) => {
                        if self.count(size(&node), span) {
                            node.span = span;
                            self.push_value(node, 0);
                        }
                    }
                    None => {
                        self.error = Some(SyntaxError {
                            message: "unknown alias".into(),
                            span,
                        });
                    }
                }
            }
            Event::Nothing
            | Event::StreamStart
            | Event::StreamEnd
            | Event::DocumentStart
            | Event::DocumentEnd => {}
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn keeps_positions() {
        let doc = parse("a: 1\nb:\n  - x\n  - 'y'\n").unwrap().unwrap();
        let b = doc.get("b").unwrap();
        let NodeKind::Seq(items) = &b.kind else {
            panic!("not a seq")
        };
        assert_eq!((items[1].span.line, items[1].span.column), (4, 5));
        assert_eq!(
            items[1].kind,
            NodeKind::Scalar {
                value: "y".into(),
                plain: false
            }
        );
    }

    #[test]
    fn empty_file_is_none_and_bad_syntax_has_a_position() {
        assert_eq!(parse("").unwrap(), None);
        let err = parse("a: [1, 2\nb: 3\n").unwrap_err();
        assert!(err.span.line >= 1, "{err:?}");
    }

    #[test]
    fn alias_bombs_are_refused() {
        let mut s = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..9 {
            let prev = format!("*a{}", i - 1);
            s.push_str(&format!("a{i}: &a{i} [{}]\n", vec![prev; 10].join(", ")));
        }
        assert!(parse(&s).is_err());
    }
}

/// Writes a JSON value as a YAML document, for files Covenant generates into a program
/// (imported frameworks, crosswalks). yaml-rust2's emitter does the quoting.
pub fn to_yaml(value: &serde_json::Value) -> String {
    fn convert(v: &serde_json::Value) -> yaml_rust2::Yaml {
        use yaml_rust2::Yaml;
        match v {
            serde_json::Value::Null => Yaml::Null,
            serde_json::Value::Bool(b) => Yaml::Boolean(*b),
            serde_json::Value::Number(n) => match n.as_i64() {
                Some(i) => Yaml::Integer(i),
                None => Yaml::Real(n.to_string()),
            },
            serde_json::Value::String(s) => Yaml::String(s.clone()),
            serde_json::Value::Array(a) => Yaml::Array(a.iter().map(convert).collect()),
            serde_json::Value::Object(m) => Yaml::Hash(
                m.iter()
                    .map(|(k, v)| (Yaml::String(k.clone()), convert(v)))
                    .collect(),
            ),
        }
    }
    let mut out = String::new();
    let mut emitter = yaml_rust2::YamlEmitter::new(&mut out);
    // Writing into a String cannot fail; an error here would leave the text empty, which
    // the loader then reports as an empty file rather than hiding it.
    let _ = emitter.dump(&convert(value));
    out.push('\n');
    out
}

#[cfg(test)]
mod emit_tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn emitted_yaml_reads_back_the_same() {
        let v = serde_json::json!({ "id": "x", "title": "a: b # c", "n": 3, "list": ["yes", "no", "1.0"] });
        let node = parse(&to_yaml(&v)).unwrap().unwrap();
        assert_eq!(node.get("title").and_then(Node::as_str), Some("a: b # c"));
        let NodeKind::Seq(items) = &node.get("list").unwrap().kind else {
            panic!()
        };
        assert_eq!(
            items[0].kind,
            NodeKind::Scalar {
                value: "yes".into(),
                plain: false
            }
        );
    }
}
