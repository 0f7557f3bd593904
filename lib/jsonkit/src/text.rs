//! Values quoted in messages, cut short keeping what tells them apart, and in HTML pages, escaped.

/// `text` cut to at most `max` characters (an ellipsis in the middle), keeping its start and end.
pub fn shorten(text: &str, max: usize) -> String {
    let count = text.chars().count();
    if count <= max {
        return text.to_string();
    }
    let tail = max / 3;
    let head = max.saturating_sub(tail + 1);
    let start: String = text.chars().take(head).collect();
    let end: String = text.chars().skip(count - tail).collect();
    format!("{start}…{end}")
}

/// A value as error messages quote it: in quotes, escaped, at most 60 characters.
pub fn quoted(text: &str) -> String {
    format!("{:?}", shorten(text, 60))
}

/// `text` made safe for HTML element content and attribute values (quoted with `"` or `'`).
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_text_keeps_its_start_and_end() {
        assert_eq!(shorten("abcdef", 6), "abcdef");
        assert_eq!(shorten("abcdefghij", 6), "abc…ij");
        assert_eq!(shorten(&"é".repeat(100), 10).chars().count(), 10);
        assert_eq!(shorten("abc", 0), "…");
    }

    #[test]
    fn quotes_escape_and_cut() {
        assert_eq!(quoted("a\nb"), r#""a\nb""#);
        assert_eq!(quoted(&"x".repeat(100)).chars().count(), 62);
    }

    #[test]
    fn html_escaping_covers_text_and_attributes() {
        assert_eq!(
            escape_html(r#"<a href="x">'&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
        assert_eq!(escape_html("plain words"), "plain words");
    }
}
