//! Positions in source files, for diagnostics that point at the exact place.

use serde::Serialize;

/// A position in a source file: 1-based line and column, 0-based byte offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Serialize)]
pub struct Span {
    pub line: u32,
    pub column: u32,
    #[serde(skip)]
    pub offset: usize,
}

impl Span {
    pub fn new(line: usize, column: usize, offset: usize) -> Self {
        Span {
            line: u32::try_from(line).unwrap_or(u32::MAX),
            column: u32::try_from(column).unwrap_or(u32::MAX),
            offset,
        }
    }

    /// Moves a span found in an embedded document (front matter) to its place in the file.
    pub fn shifted(self, lines: u32, bytes: usize) -> Span {
        Span {
            line: self.line.saturating_add(lines),
            column: self.column,
            offset: self.offset.saturating_add(bytes),
        }
    }
}
