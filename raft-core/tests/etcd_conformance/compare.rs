//! How actual output is compared with etcd's expected output (conformance/README.md):
//! log lines are removed from both sides, blank lines are ignored, an output that is only `ok`
//! equals an empty one, and everything else must match exactly.

/// Words that start a log line of etcd's harness.
const LOG_LEVELS: [&str; 5] = ["DEBUG", "INFO", "WARN", "ERROR", "FATAL"];

/// Whether a line is a log line: its first word, after indentation, is a log level.
fn is_log_line(line: &str) -> bool {
    line.split_whitespace()
        .next()
        .is_some_and(|w| LOG_LEVELS.contains(&w))
}

/// The lines that take part in the comparison.
pub fn normalize(text: &str) -> Vec<&str> {
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| !l.trim().is_empty() && !is_log_line(l))
        .collect();
    if lines == ["ok"] {
        Vec::new()
    } else {
        lines
    }
}

/// Whether two outputs are equal under the comparison rules.
pub fn equivalent(expected: &str, actual: &str) -> bool {
    normalize(expected) == normalize(actual)
}

/// Lines of context shown before and after the first difference.
const CONTEXT_LINES: usize = 6;

/// A report of a mismatch: both normalised sides around the first line where they part (marked
/// with `>`), so a long `stabilize` block does not bury the difference.
pub fn describe_mismatch(expected: &str, actual: &str) -> String {
    let exp = normalize(expected);
    let act = normalize(actual);
    let first_diff = exp
        .iter()
        .zip(act.iter())
        .position(|(e, a)| e != a)
        .unwrap_or(exp.len().min(act.len()));
    let mut out = format!(
        "    first difference at output line {} (expected {} lines, got {})\n",
        first_diff + 1,
        exp.len(),
        act.len()
    );
    out.push_str("    expected:\n");
    push_window(&mut out, &exp, first_diff);
    out.push_str("    actual:\n");
    push_window(&mut out, &act, first_diff);
    out
}

/// Appends the lines around `mark`, indented, with `>` on line `mark` and `...` for what is cut.
fn push_window(out: &mut String, lines: &[&str], mark: usize) {
    let lo = mark.saturating_sub(CONTEXT_LINES);
    let hi = (mark + CONTEXT_LINES + 1).min(lines.len());
    if lo > 0 {
        out.push_str("      ...\n");
    }
    for (i, l) in lines.iter().enumerate().take(hi).skip(lo) {
        out.push_str(if i == mark { "    > " } else { "      " });
        out.push_str(l);
        out.push('\n');
    }
    if mark >= lines.len() {
        out.push_str("    > (end of output)\n");
    } else if hi < lines.len() {
        out.push_str("      ...\n");
    }
}

/// Checks the comparison rules on fixed examples. The runner has no test harness (it is a
/// `harness = false` target), so it calls this before running the corpus and treats a failure
/// like a failed file.
pub fn self_check() -> Result<(), String> {
    let expected = "> 1 handling Ready\n  INFO 1 became leader at term 1\n\n  Ready MustSync=true:";
    let cases: [(&str, &str, bool); 7] = [
        (
            expected,
            "> 1 handling Ready\n  Ready MustSync=true:\n",
            true,
        ),
        ("INFO x\nok", "", true),
        ("", "ok", true),
        ("ok", "no messages", false),
        // Indentation is significant.
        ("  a", "a", false),
        // A word merely starting with a level name is not a log line.
        ("INFOx 1", "", false),
        ("a\nb", "a\nc", false),
    ];
    for (exp, act, want) in cases {
        if equivalent(exp, act) != want {
            return Err(format!(
                "comparator self-check: equivalent({exp:?}, {act:?}) should be {want}"
            ));
        }
    }
    Ok(())
}
