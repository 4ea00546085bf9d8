//! A reader for cockroachdb/datadriven test files, the format etcd's scenario tests are written in.
//!
//! A file is a sequence of blocks:
//!
//! ```text
//! # comments and blank lines between blocks are ignored
//! command arg1 key=value key=(v1, v2)
//! optional input lines
//! ----
//! expected output lines
//! <blank line ends the block>
//! ```
//!
//! When the expected output itself contains blank lines, the separator is doubled (`----` twice)
//! and the block ends at a second doubled separator (`----` twice).

use std::fmt;

/// One `key=value` or bare argument of a directive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arg {
    /// The name (for a bare argument, the whole token).
    pub key: String,
    /// The values: one for `k=v`, several for `k=(a, b)`, none for a bare token.
    pub vals: Vec<String>,
}

/// One block of a datadriven file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Directive {
    /// The file the block came from (for messages).
    pub file: String,
    /// The 1-based line of the command.
    pub line: usize,
    /// The command word.
    pub cmd: String,
    /// The arguments after the command word.
    pub args: Vec<Arg>,
    /// The input lines between the command and `----`, joined with `\n`.
    pub input: String,
    /// The expected output, joined with `\n` (without a trailing newline).
    pub expected: String,
}

impl Directive {
    /// The first argument named `key`.
    pub fn arg(&self, key: &str) -> Option<&Arg> {
        self.args.iter().find(|a| a.key == key)
    }

    /// The single value of argument `key`, if present.
    pub fn val(&self, key: &str) -> Option<&str> {
        self.arg(key)
            .and_then(|a| a.vals.first())
            .map(String::as_str)
    }
}

impl fmt::Display for Directive {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.line, self.cmd)?;
        for a in &self.args {
            if a.vals.is_empty() {
                write!(f, " {}", a.key)?;
            } else if a.vals.len() == 1 {
                write!(f, " {}={}", a.key, a.vals[0])?;
            } else {
                write!(f, " {}=({})", a.key, a.vals.join(", "))?;
            }
        }
        Ok(())
    }
}

/// Splits a command line into the command word and its arguments, honouring `k=(a, b)` groups.
fn parse_command_line(line: &str) -> Result<(String, Vec<Arg>), String> {
    let mut tokens: Vec<String> = Vec::new();
    let mut cur = String::new();
    let mut depth = 0usize;
    for ch in line.chars() {
        match ch {
            '(' => {
                depth += 1;
                cur.push(ch);
            }
            ')' => {
                depth = depth
                    .checked_sub(1)
                    .ok_or_else(|| format!("unbalanced ')' in {line:?}"))?;
                cur.push(ch);
            }
            c if c.is_whitespace() && depth == 0 => {
                if !cur.is_empty() {
                    tokens.push(std::mem::take(&mut cur));
                }
            }
            c => cur.push(c),
        }
    }
    if depth != 0 {
        return Err(format!("unbalanced '(' in {line:?}"));
    }
    if !cur.is_empty() {
        tokens.push(cur);
    }
    let mut it = tokens.into_iter();
    let cmd = it.next().ok_or_else(|| "empty command line".to_string())?;
    let args = it
        .map(|tok| match tok.split_once('=') {
            None => Arg {
                key: tok,
                vals: Vec::new(),
            },
            Some((k, v)) => {
                let vals =
                    if let Some(inner) = v.strip_prefix('(').and_then(|s| s.strip_suffix(')')) {
                        inner
                            .split(',')
                            .map(|s| s.trim().to_string())
                            .filter(|s| !s.is_empty())
                            .collect()
                    } else {
                        vec![v.to_string()]
                    };
                Arg {
                    key: k.to_string(),
                    vals,
                }
            }
        })
        .collect();
    Ok((cmd, args))
}

/// Parses a whole datadriven file.
pub fn parse(file: &str, text: &str) -> Result<Vec<Directive>, String> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i].trim_end();
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            i += 1;
            continue;
        }
        let cmd_line_no = i + 1;
        let (cmd, args) =
            parse_command_line(line).map_err(|e| format!("{file}:{cmd_line_no}: {e}"))?;
        i += 1;
        let mut input = Vec::new();
        while i < lines.len() && lines[i].trim_end() != "----" {
            input.push(lines[i]);
            i += 1;
        }
        if i >= lines.len() {
            return Err(format!("{file}:{cmd_line_no}: missing ---- separator"));
        }
        i += 1; // the separator
        let mut expected = Vec::new();
        if i < lines.len() && lines[i].trim_end() == "----" {
            // Doubled separator: output may contain blank lines; ends at the next doubled one.
            i += 1;
            loop {
                if i >= lines.len() {
                    return Err(format!(
                        "{file}:{cmd_line_no}: unterminated ---- ---- block"
                    ));
                }
                if lines[i].trim_end() == "----"
                    && lines.get(i + 1).map(|l| l.trim_end()) == Some("----")
                {
                    i += 2;
                    break;
                }
                expected.push(lines[i]);
                i += 1;
            }
        } else {
            while i < lines.len() && !lines[i].trim().is_empty() {
                expected.push(lines[i]);
                i += 1;
            }
        }
        out.push(Directive {
            file: file.to_string(),
            line: cmd_line_no,
            cmd,
            args,
            input: input.join("\n"),
            expected: expected.join("\n"),
        });
    }
    Ok(out)
}
