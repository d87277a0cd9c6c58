//! What a `pods/exec` (or `attach`) request asked for, read from its request URI: the command,
//! the container and the streams. The API server logs the command only there, URL-encoded as
//! `kubectl` sends it (`url.Values.Encode`: a space is `+`, a `+` is `%2B`), one `command=`
//! parameter per argument.

/// An exec or attach request's parameters, decoded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExecRequest {
    /// The arguments, in order; empty for an attach.
    pub command: Vec<String>,
    pub container: Option<String>,
    pub stdin: bool,
    pub stdout: bool,
    pub stderr: bool,
    pub tty: bool,
}

impl ExecRequest {
    /// The parameters of `uri`'s query string; `None` when it has none of an exec's.
    pub fn from_uri(uri: &str) -> Option<ExecRequest> {
        let (_, query) = uri.split_once('?')?;
        let mut out = ExecRequest::default();
        let mut any = false;
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let value = decode_component(value);
            let flag = || value == "true" || value == "1";
            match decode_component(key).as_str() {
                "command" => out.command.push(value.clone()),
                "container" => out.container = Some(value.clone()),
                "stdin" => out.stdin = flag(),
                "stdout" => out.stdout = flag(),
                "stderr" => out.stderr = flag(),
                "tty" => out.tty = flag(),
                _ => continue,
            }
            any = true;
        }
        any.then_some(out)
    }

    /// The command as one line a shell would read back the same: an argument holding a space
    /// or a character special to the shell is single-quoted.
    pub fn command_line(&self) -> String {
        let words: Vec<String> = self.command.iter().map(|w| shell_word(w)).collect();
        words.join(" ")
    }

    /// The streams asked for, as a reader weighs them: an interactive shell, input fed in, or
    /// output only.
    pub fn session(&self) -> String {
        let streams: Vec<&str> = [
            (self.stdin, "stdin"),
            (self.stdout, "stdout"),
            (self.stderr, "stderr"),
            (self.tty, "tty"),
        ]
        .into_iter()
        .filter_map(|(on, name)| on.then_some(name))
        .collect();
        let what = match (self.stdin, self.tty) {
            (true, true) => "interactive terminal",
            (true, false) => "input sent in",
            (false, true) => "a terminal, no input",
            (false, false) => "no input",
        };
        if streams.is_empty() {
            return what.to_string();
        }
        format!("{what} ({})", streams.join(", "))
    }
}

/// A query-string component decoded: `+` is a space, `%XX` a byte; a `%` not followed by two
/// hex digits stays as written, and bytes that are not UTF-8 are written `\xNN`, so nothing of
/// what was sent is lost.
pub fn decode_component(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match hex_pair(bytes[i + 1], bytes[i + 2]) {
                Some(b) => {
                    out.push(b);
                    i += 2;
                }
                None => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    match String::from_utf8(out) {
        Ok(s) => s,
        Err(e) => escape_invalid(e.as_bytes()),
    }
}

fn hex_pair(a: u8, b: u8) -> Option<u8> {
    let digit = |c: u8| (c as char).to_digit(16);
    Some((digit(a)? * 16 + digit(b)?) as u8)
}

/// `bytes` as text, each byte of an invalid sequence written `\xNN`.
fn escape_invalid(mut bytes: &[u8]) -> String {
    let mut out = String::new();
    loop {
        match std::str::from_utf8(bytes) {
            Ok(rest) => {
                out.push_str(rest);
                return out;
            }
            Err(e) => {
                let (good, bad) = bytes.split_at(e.valid_up_to());
                out.push_str(std::str::from_utf8(good).unwrap_or_default());
                let n = e.error_len().unwrap_or(bad.len());
                for b in &bad[..n] {
                    out.push_str(&format!("\\x{b:02x}"));
                }
                bytes = &bad[n..];
            }
        }
    }
}

/// One argument as a POSIX shell reads it back: bare when it holds only safe characters,
/// else in single quotes (a quote inside written `'\''`).
fn shell_word(w: &str) -> String {
    let safe = |c: char| c.is_alphanumeric() || "-_./:=@%+,".contains(c);
    if !w.is_empty() && w.chars().all(safe) {
        return w.to_string();
    }
    format!("'{}'", w.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_command_parameter_is_an_argument_in_order() {
        let uri = "/api/v1/namespaces/kube-system/pods/agent-x/exec?command=sh&command=-c&command=curl+-s+http%3A%2F%2F169.254.169.254%2Flatest%2Fmeta-data%2F&container=agent&stderr=true&stdout=true";
        let exec = ExecRequest::from_uri(uri).unwrap();
        assert_eq!(
            exec.command,
            [
                "sh",
                "-c",
                "curl -s http://169.254.169.254/latest/meta-data/"
            ]
        );
        assert_eq!(
            exec.command_line(),
            "sh -c 'curl -s http://169.254.169.254/latest/meta-data/'"
        );
        assert_eq!(exec.container.as_deref(), Some("agent"));
        assert_eq!(exec.session(), "no input (stdout, stderr)");
    }

    #[test]
    fn a_plus_is_sent_encoded_and_bad_escapes_stay_as_written() {
        assert_eq!(decode_component("a%2Bb+c"), "a+b c");
        assert_eq!(decode_component("100%"), "100%");
        assert_eq!(decode_component("%zz%4"), "%zz%4");
        assert_eq!(decode_component("%ff%41"), r"\xffA");
        assert_eq!(decode_component("it%27s"), "it's");
        assert_eq!(shell_word("it's"), r"'it'\''s'");
        assert_eq!(shell_word(""), "''");
    }

    #[test]
    fn an_interactive_shell_and_a_uri_without_parameters() {
        let exec = ExecRequest::from_uri(
            "/api/v1/namespaces/a/pods/b/exec?command=bash&stdin=true&stdout=true&tty=true",
        )
        .unwrap();
        assert_eq!(exec.session(), "interactive terminal (stdin, stdout, tty)");
        assert_eq!(
            ExecRequest::from_uri("/api/v1/namespaces/a/pods/b/exec"),
            None
        );
        assert_eq!(
            ExecRequest::from_uri("/api/v1/namespaces/a/pods/b/exec?foo=1"),
            None
        );
    }
}
