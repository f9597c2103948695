//! Finding where a key of a model file is, so that errors can name `file:line:column`.

use toml_edit::{ImDocument, Item};

/// One step of a path into the document: a key or an index into an array (of tables).
#[derive(Clone, Debug, PartialEq)]
pub enum Seg {
    /// A key.
    Key(String),
    /// An array index.
    Index(usize),
}

/// Builds a path from `"population", 2, "params", "tau_m"`-like parts.
#[macro_export]
macro_rules! path {
    ($($x:expr),* $(,)?) => { vec![$($crate::locate::IntoSeg::into_seg($x)),*] };
}

/// Conversion into a path step.
pub trait IntoSeg {
    /// The step.
    fn into_seg(self) -> Seg;
}
impl IntoSeg for &str {
    fn into_seg(self) -> Seg {
        Seg::Key(self.to_string())
    }
}
impl IntoSeg for String {
    fn into_seg(self) -> Seg {
        Seg::Key(self)
    }
}
impl IntoSeg for usize {
    fn into_seg(self) -> Seg {
        Seg::Index(self)
    }
}

/// Renders a path the way a user writes it: `population[2].params.tau_m` (1-based table numbers
/// would confuse; indices are 0-based as in TOML tooling).
pub fn render(path: &[Seg]) -> String {
    let mut s = String::new();
    for seg in path {
        match seg {
            Seg::Key(k) => {
                if !s.is_empty() {
                    s.push('.');
                }
                s.push_str(k);
            }
            Seg::Index(i) => s.push_str(&format!("[{i}]")),
        }
    }
    s
}

/// The byte span of the deepest part of `path` present in the document.
pub fn span_of(doc: &ImDocument<String>, path: &[Seg]) -> Option<std::ops::Range<usize>> {
    enum Node<'a> {
        Item(&'a Item),
        Table(&'a toml_edit::Table),
        Value(&'a toml_edit::Value),
    }
    let mut node = Node::Item(doc.as_item());
    let mut best = None;
    for seg in path {
        node = match (seg, node) {
            (Seg::Key(k), n) => {
                let table: Option<&dyn toml_edit::TableLike> = match n {
                    Node::Item(it) => it.as_table_like(),
                    Node::Table(t) => Some(t),
                    Node::Value(v) => v.as_inline_table().map(|t| t as &dyn toml_edit::TableLike),
                };
                let Some((key, item)) = table.and_then(|t| t.get_key_value(k)) else {
                    break;
                };
                best = key.span().or(best);
                Node::Item(item)
            }
            (Seg::Index(i), Node::Item(it)) => {
                if let Some(t) = it.as_array_of_tables().and_then(|a| a.get(*i)) {
                    best = t.span().or(best);
                    Node::Table(t)
                } else if let Some(v) = it.as_array().and_then(|a| a.get(*i)) {
                    best = v.span().or(best);
                    Node::Value(v)
                } else {
                    break;
                }
            }
            (Seg::Index(i), Node::Value(v)) => match v.as_array().and_then(|a| a.get(*i)) {
                Some(x) => {
                    best = x.span().or(best);
                    Node::Value(x)
                }
                None => break,
            },
            (Seg::Index(_), Node::Table(_)) => break,
        };
    }
    best
}

/// 1-based line and column of byte `offset` in `text`.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let col = before.rfind('\n').map(|p| offset - p).unwrap_or(offset + 1);
    (line, col)
}
