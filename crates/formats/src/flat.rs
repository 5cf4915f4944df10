//! A scanner for the common shape of a detection line: one flat JSON object whose values
//! are numbers, plain strings or `null`.
//!
//! Hand-written because parsing was a third of a whole `skyfence track` run: a general
//! JSON parser (sonic-rs) copies each line into a padded buffer and dispatches through
//! serde's visitor machinery, some 3,900 instructions for a 100-byte line. This scanner
//! only accepts what it fully understands and answers `None` for anything else (escapes,
//! nested values, booleans, non-ASCII bytes, a duplicate or mistyped known field, a
//! number outside JSON's grammar or beyond f64): the caller then parses the line with
//! the general parser, which either accepts it or explains exactly what is wrong. So the
//! scanner can never accept a line the general parser would refuse, nor read a value
//! differently (a property test holds it to that).

/// One value of a flat object, as text where it is not `null`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Value<'a> {
    Null,
    /// A number's text, already checked against JSON's grammar.
    Number(&'a str),
    /// A string's contents (no escapes).
    Text(&'a str),
}

fn skip_ws(b: &[u8], mut i: usize) -> usize {
    // JSON whitespace (RFC 8259, section 2).
    while i < b.len() && matches!(b[i], b' ' | b'\t' | b'\n' | b'\r') {
        i += 1;
    }
    i
}

/// The end of a JSON number starting at `i`, if the bytes there follow the grammar of
/// RFC 8259 section 6 (Rust's `f64` parser alone would also take `1.`, `.5` or `01`).
fn number_end(b: &[u8], mut i: usize) -> Option<usize> {
    let digits = |b: &[u8], mut i: usize| {
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        (i > start).then_some(i)
    };
    if b.get(i) == Some(&b'-') {
        i += 1;
    }
    match b.get(i) {
        Some(b'0') => i += 1,
        Some(b'1'..=b'9') => i = digits(b, i)?,
        _ => return None,
    }
    if b.get(i) == Some(&b'.') {
        i = digits(b, i + 1)?;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        i = digits(b, i)?;
    }
    Some(i)
}

/// The end of a string's contents starting after its opening quote, if it has no escape
/// and no control character.
fn string_end(b: &[u8], mut i: usize) -> Option<usize> {
    while i < b.len() {
        match b[i] {
            b'"' => return Some(i),
            b'\\' | 0..=0x1f => return None,
            _ => i += 1,
        }
    }
    None
}

/// Scans `line` as a flat object, handing each key and value to `field`, which answers
/// `None` to give the line up (a value of the wrong type, a duplicate key). `None` means
/// "not this shape, ask the general parser".
pub(crate) fn scan<'a>(
    line: &'a [u8],
    mut field: impl FnMut(&'a [u8], Value<'a>) -> Option<()>,
) -> Option<()> {
    // Validated once: every delimiter below is ASCII, so every slice between two of
    // them falls on character boundaries.
    let text = std::str::from_utf8(line).ok()?;
    let b = line;
    let mut i = skip_ws(b, 0);
    if b.get(i) != Some(&b'{') {
        return None;
    }
    i = skip_ws(b, i + 1);
    if b.get(i) == Some(&b'}') {
        i += 1;
    } else {
        loop {
            if b.get(i) != Some(&b'"') {
                return None;
            }
            let key_end = string_end(b, i + 1)?;
            let key = &b[i + 1..key_end];
            i = skip_ws(b, key_end + 1);
            if b.get(i) != Some(&b':') {
                return None;
            }
            i = skip_ws(b, i + 1);
            let (value, end) = match b.get(i)? {
                b'n' => {
                    if b.get(i..i + 4)? != b"null" {
                        return None;
                    }
                    (Value::Null, i + 4)
                }
                b'"' => {
                    let end = string_end(b, i + 1)?;
                    (Value::Text(text.get(i + 1..end)?), end + 1)
                }
                b'-' | b'0'..=b'9' => {
                    let end = number_end(b, i)?;
                    (Value::Number(text.get(i..end)?), end)
                }
                _ => return None,
            };
            field(key, value)?;
            i = skip_ws(b, end);
            match b.get(i) {
                Some(b',') => i = skip_ws(b, i + 1),
                Some(b'}') => {
                    i += 1;
                    break;
                }
                _ => return None,
            }
        }
    }
    (skip_ws(b, i) == b.len()).then_some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(line: &str) -> Option<Vec<(String, Value<'_>)>> {
        let mut out = Vec::new();
        scan(line.as_bytes(), |k, v| {
            if k == b"stop" {
                return None;
            }
            out.push((String::from_utf8_lossy(k).into_owned(), v));
            Some(())
        })?;
        Some(out)
    }

    #[test]
    fn reads_the_plain_shape() {
        let n = |k: &str, v| (k.to_string(), Value::Number(v));
        assert_eq!(
            run(r#" {"a": -1.5e2, "s":"radar é", "zz": 7, "b":0} "#),
            Some(vec![
                n("a", "-1.5e2"),
                ("s".into(), Value::Text("radar é")),
                n("zz", "7"),
                n("b", "0")
            ])
        );
        assert_eq!(run("{}"), Some(vec![]));
        assert_eq!(run(r#"{"a":null}"#), Some(vec![("a".into(), Value::Null)]));
        assert_eq!(run("{\"a\":0.5E+3}\r\n"), Some(vec![n("a", "0.5E+3")]));
    }

    #[test]
    fn leaves_everything_else_to_the_general_parser() {
        for line in [
            r#"{"a":1,"stop":2}"#,
            r#"{"s":"ra\"dar"}"#,
            r#"{"s\u0041":1}"#,
            r#"{"a":01}"#,
            r#"{"a":1.}"#,
            r#"{"a":.5}"#,
            r#"{"a":1e}"#,
            r#"{"a":-}"#,
            r#"{"a":+1}"#,
            r#"{"a":true}"#,
            r#"{"x":[1]}"#,
            r#"{"x":{"y":1}}"#,
            r#"{"a":1,}"#,
            r#"{"a":1} x"#,
            r#"{"a":1"#,
            r#"["a"]"#,
            r#"{"a" 1}"#,
            r#"{"a":nul}"#,
            "{\"s\":\"a\tb\"}",
            "",
        ] {
            assert!(run(line).is_none(), "{line}");
        }
        assert!(scan(b"{\"s\":\"\xff\"}", |_, _| Some(())).is_none());
    }
}
