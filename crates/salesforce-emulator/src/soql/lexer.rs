use super::SoqlError;
use super::ast::LikePart;

#[derive(Debug, Clone, PartialEq)]
pub enum Tok {
    /// A name or keyword; may contain dots (`Account.Name`).
    Ident(String),
    /// A quoted string: its value, and the same value read as a LIKE pattern.
    Str(String, Vec<LikePart>),
    /// A number, a date or a datetime: kept as written, typed by the parser.
    Bare(String),
    LParen,
    RParen,
    Comma,
    Op(&'static str),
    Eof,
}

#[derive(Debug, Clone)]
pub struct Token {
    pub tok: Tok,
    pub offset: usize,
}

impl Tok {
    pub fn describe(&self) -> String {
        match self {
            Tok::Ident(s) | Tok::Bare(s) => s.clone(),
            Tok::Str(s, _) => format!("'{s}'"),
            Tok::LParen => "(".into(),
            Tok::RParen => ")".into(),
            Tok::Comma => ",".into(),
            Tok::Op(o) => (*o).into(),
            Tok::Eof => "<EOF>".into(),
        }
    }
}

pub fn lex(input: &str) -> Result<Vec<Token>, SoqlError> {
    let chars: Vec<(usize, char)> = input.char_indices().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let (offset, c) = chars[i];
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let single = |tok| Token { tok, offset };
        match c {
            '(' => {
                out.push(single(Tok::LParen));
                i += 1;
            }
            ')' => {
                out.push(single(Tok::RParen));
                i += 1;
            }
            ',' => {
                out.push(single(Tok::Comma));
                i += 1;
            }
            '=' => {
                out.push(single(Tok::Op("=")));
                i += 1;
            }
            '!' if next_is(&chars, i, '=') => {
                out.push(single(Tok::Op("!=")));
                i += 2;
            }
            '<' if next_is(&chars, i, '>') => {
                out.push(single(Tok::Op("!=")));
                i += 2;
            }
            '<' if next_is(&chars, i, '=') => {
                out.push(single(Tok::Op("<=")));
                i += 2;
            }
            '<' => {
                out.push(single(Tok::Op("<")));
                i += 1;
            }
            '>' if next_is(&chars, i, '=') => {
                out.push(single(Tok::Op(">=")));
                i += 2;
            }
            '>' => {
                out.push(single(Tok::Op(">")));
                i += 1;
            }
            '\'' => {
                let (value, pattern, next) = lex_string(&chars, i, input.len())?;
                out.push(single(Tok::Str(value, pattern)));
                i = next;
            }
            c if c.is_ascii_digit() || c == '-' || c == '+' || c == '.' => {
                let start = i;
                i += 1;
                while i < chars.len() {
                    let d = chars[i].1;
                    let sign_in_zone =
                        (d == '+' || d == '-') && chars[start..i].iter().any(|(_, x)| *x == 'T');
                    if d.is_ascii_alphanumeric()
                        || d == '.'
                        || d == ':'
                        || sign_in_zone
                        || (d == '-' && i > start)
                    {
                        i += 1;
                    } else {
                        break;
                    }
                }
                let text: String = chars[start..i].iter().map(|(_, c)| c).collect();
                out.push(single(Tok::Bare(text)));
            }
            c if c.is_alphabetic() || c == '_' => {
                let start = i;
                while i < chars.len()
                    && (chars[i].1.is_alphanumeric() || chars[i].1 == '_' || chars[i].1 == '.')
                {
                    i += 1;
                }
                let text: String = chars[start..i].iter().map(|(_, c)| c).collect();
                out.push(single(Tok::Ident(text)));
            }
            other => {
                return Err(SoqlError::malformed(
                    format!("unexpected token: '{other}'"),
                    offset,
                ));
            }
        }
    }
    out.push(Token {
        tok: Tok::Eof,
        offset: input.len(),
    });
    Ok(out)
}

fn next_is(chars: &[(usize, char)], i: usize, want: char) -> bool {
    chars.get(i + 1).is_some_and(|(_, c)| *c == want)
}

/// Reads a single-quoted string starting at `chars[start]`, applying SOQL's escapes.
fn lex_string(
    chars: &[(usize, char)],
    start: usize,
    end_offset: usize,
) -> Result<(String, Vec<LikePart>, usize), SoqlError> {
    let mut value = String::new();
    let mut pattern = Vec::new();
    let mut i = start + 1;
    loop {
        let Some(&(offset, c)) = chars.get(i) else {
            return Err(SoqlError::malformed(
                "line 1:0 mismatched character '<EOF>' expecting '''",
                end_offset,
            ));
        };
        match c {
            '\'' => return Ok((value, pattern, i + 1)),
            '\\' => {
                let Some(&(_, e)) = chars.get(i + 1) else {
                    return Err(SoqlError::malformed("Invalid string literal", offset));
                };
                let (ch, literal_wildcard) = match e {
                    'n' | 'N' => ('\n', false),
                    'r' | 'R' => ('\r', false),
                    't' | 'T' => ('\t', false),
                    'b' | 'B' => ('\u{8}', false),
                    'f' | 'F' => ('\u{c}', false),
                    '"' => ('"', false),
                    '\'' => ('\'', false),
                    '\\' => ('\\', false),
                    '%' => ('%', true),
                    '_' => ('_', true),
                    'u' => {
                        let hex: String = chars
                            .get(i + 2..i + 6)
                            .map(|s| s.iter().map(|(_, c)| c).collect())
                            .unwrap_or_default();
                        let ch = u32::from_str_radix(&hex, 16)
                            .ok()
                            .filter(|_| hex.len() == 4)
                            .and_then(char::from_u32)
                            .ok_or_else(|| {
                                SoqlError::malformed("Invalid unicode escape", offset)
                            })?;
                        value.push(ch);
                        pattern.push(LikePart::Char(ch));
                        i += 6;
                        continue;
                    }
                    _ => {
                        return Err(SoqlError::malformed(
                            format!(
                                "Invalid string literal '\\{e}'. Illegal character sequence '\\{e}' in string literal."
                            ),
                            offset,
                        ));
                    }
                };
                if literal_wildcard {
                    // Outside LIKE a backslash before % or _ is kept as written.
                    value.push('\\');
                }
                value.push(ch);
                pattern.push(LikePart::Char(ch));
                i += 2;
            }
            '%' => {
                value.push(c);
                pattern.push(LikePart::AnyMany);
                i += 1;
            }
            '_' => {
                value.push(c);
                pattern.push(LikePart::AnyOne);
                i += 1;
            }
            _ => {
                value.push(c);
                pattern.push(LikePart::Char(c));
                i += 1;
            }
        }
    }
}
