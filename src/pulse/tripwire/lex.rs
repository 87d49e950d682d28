//! Reading a command line the way a POSIX shell would, far enough for the
//! tripwire: words with quotes and backslashes removed, `;` `&&` `||` `&`
//! and newlines ending commands, `|` joining them into pipelines, and the
//! commands hidden inside `$(…)`, backticks, `<(…)`/`>(…)` and `( … )`
//! read as nested scripts. `$HOME`, `${HOME}`, `${HOME:?}` (any modifier)
//! and an unquoted leading `~` all read as `~`, so the rules see one home.
//!
//! Not a shell: no aliases, functions, globbing, arithmetic or other
//! variables' values. A line bash could not parse (an open quote) is read
//! as far as it goes, which is safe: bash would not run it either.

use std::cell::Cell;

/// One word of a command, after quote removal, with the commands any
/// substitution inside it would run.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Word {
    pub text: String,
    pub subs: Vec<Script>,
}

/// A simple command: its words (assignments and the program first), where
/// its output/input redirections point, and subshells run as part of it.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Command {
    pub words: Vec<Word>,
    pub redirects: Vec<Word>,
    pub subshells: Vec<Script>,
}

/// Commands joined by `|`.
pub type Pipeline = Vec<Command>;

/// Pipelines in the order they would run.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Script {
    pub pipelines: Vec<Pipeline>,
    /// Nested deeper than [`MAX_NESTING`]: the rest was not read.
    pub too_deep: bool,
}

/// How deep `$(…)`, `(…)` and `<(…)` may nest before reading stops.
pub const MAX_NESTING: usize = 64;

/// What a substitution reads as in a word's text: its value is unknown.
pub const UNKNOWN: &str = "\u{fffd}";

/// Read `line` as a script.
pub fn parse(line: &str) -> Script {
    let chars: Vec<char> = line.chars().collect();
    let mut pos = 0;
    let lexer = Lexer {
        chars: &chars,
        depth: Cell::new(0),
        too_deep: Cell::new(false),
    };
    let mut script = lexer.script(&mut pos, false);
    script.too_deep = lexer.too_deep.get();
    script
}

struct Lexer<'a> {
    chars: &'a [char],
    depth: Cell<usize>,
    too_deep: Cell<bool>,
}

impl Lexer<'_> {
    fn at(&self, pos: usize) -> Option<char> {
        self.chars.get(pos).copied()
    }

    /// Read commands until the end, or a `)` when `nested`.
    fn script(&self, pos: &mut usize, nested: bool) -> Script {
        if self.depth.get() >= MAX_NESTING {
            self.too_deep.set(true);
            *pos = self.chars.len();
            return Script::default();
        }
        self.depth.set(self.depth.get() + 1);
        let script = self.commands(pos, nested);
        self.depth.set(self.depth.get() - 1);
        script
    }

    fn commands(&self, pos: &mut usize, nested: bool) -> Script {
        let mut script = Script::default();
        let mut pipeline = Pipeline::new();
        let mut cmd = Command::default();
        let mut redirect_next = false;
        let finish_cmd = |cmd: &mut Command, pipeline: &mut Pipeline| {
            let done = std::mem::take(cmd);
            if !(done.words.is_empty() && done.redirects.is_empty() && done.subshells.is_empty()) {
                pipeline.push(done);
            }
        };
        while let Some(c) = self.at(*pos) {
            match c {
                ' ' | '\t' => *pos += 1,
                '\\' if self.at(*pos + 1) == Some('\n') => *pos += 2,
                '#' => {
                    while self.at(*pos).is_some_and(|c| c != '\n') {
                        *pos += 1;
                    }
                }
                ')' if nested => {
                    *pos += 1;
                    break;
                }
                ')' => *pos += 1,
                '\n' | ';' | '&' | '|' => {
                    let next = self.at(*pos + 1);
                    *pos += 1;
                    let pipe = c == '|' && next != Some('|');
                    // `&&`, `||`, `|&`: one operator.
                    if ((c == '&' || c == '|') && next == Some(c))
                        || (c == '|' && next == Some('&'))
                    {
                        *pos += 1;
                    } else if c == '&' && next == Some('>') {
                        // `&>file`: a redirection, not a background `&`.
                        *pos += 1;
                        while self.at(*pos) == Some('>') {
                            *pos += 1;
                        }
                        redirect_next = true;
                        continue;
                    }
                    finish_cmd(&mut cmd, &mut pipeline);
                    if !pipe && !pipeline.is_empty() {
                        script.pipelines.push(std::mem::take(&mut pipeline));
                    }
                }
                '(' => {
                    *pos += 1;
                    if self.at(*pos) == Some('(') {
                        // `(( arithmetic ))`: nothing runs.
                        self.skip_balanced(pos);
                    } else {
                        cmd.subshells.push(self.script(pos, true));
                    }
                }
                '<' | '>' if self.at(*pos + 1) == Some('(') => {
                    *pos += 2;
                    let sub = self.script(pos, true);
                    let word = Word {
                        text: UNKNOWN.into(),
                        subs: vec![sub],
                    };
                    push_word(&mut cmd, word, &mut redirect_next);
                }
                '<' | '>' => {
                    while matches!(self.at(*pos), Some('<' | '>' | '&' | '|')) {
                        *pos += 1;
                    }
                    redirect_next = true;
                }
                _ => {
                    let word = self.word(pos);
                    // `2>file`: the digits name a descriptor, not a word.
                    let fd = matches!(self.at(*pos), Some('<' | '>'))
                        && !word.text.is_empty()
                        && word.text.bytes().all(|b| b.is_ascii_digit());
                    if !fd {
                        push_word(&mut cmd, word, &mut redirect_next);
                    }
                }
            }
        }
        finish_cmd(&mut cmd, &mut pipeline);
        if !pipeline.is_empty() {
            script.pipelines.push(pipeline);
        }
        script
    }

    /// Skip past the `)` that closes an already-opened `(`.
    fn skip_balanced(&self, pos: &mut usize) {
        let mut depth = 1;
        while let Some(c) = self.at(*pos) {
            *pos += 1;
            match c {
                '(' => depth += 1,
                ')' => {
                    depth -= 1;
                    if depth == 0 {
                        return;
                    }
                }
                _ => {}
            }
        }
    }

    /// One word, up to an unquoted blank or operator.
    fn word(&self, pos: &mut usize) -> Word {
        let mut w = Word::default();
        let start = *pos;
        while let Some(c) = self.at(*pos) {
            match c {
                ' ' | '\t' | '\n' | ';' | '&' | '|' | '<' | '>' | '(' | ')' => break,
                '\\' => {
                    *pos += 1;
                    match self.at(*pos) {
                        Some('\n') => *pos += 1,
                        Some(c) => {
                            w.text.push(c);
                            *pos += 1;
                        }
                        None => {}
                    }
                }
                '\'' => {
                    *pos += 1;
                    while let Some(c) = self.at(*pos) {
                        *pos += 1;
                        if c == '\'' {
                            break;
                        }
                        w.text.push(c);
                    }
                }
                '"' => {
                    *pos += 1;
                    self.double_quoted(pos, &mut w);
                }
                '$' if self.at(*pos + 1) == Some('\'') => {
                    *pos += 2;
                    self.ansi_c(pos, &mut w);
                }
                '$' | '`' => self.expansion(pos, &mut w),
                '~' if *pos == start
                    && matches!(
                        self.at(*pos + 1),
                        None | Some('/' | ' ' | '\t' | '\n' | ';' | '&' | '|' | ')')
                    ) =>
                {
                    w.text.push('~');
                    *pos += 1;
                }
                c => {
                    w.text.push(c);
                    *pos += 1;
                }
            }
        }
        w
    }

    /// The inside of `"…"`, after the opening quote, through the closing one.
    fn double_quoted(&self, pos: &mut usize, w: &mut Word) {
        while let Some(c) = self.at(*pos) {
            match c {
                '"' => {
                    *pos += 1;
                    return;
                }
                '\\' => {
                    let next = self.at(*pos + 1);
                    match next {
                        Some('\n') => *pos += 2,
                        Some(n @ ('$' | '`' | '"' | '\\')) => {
                            w.text.push(n);
                            *pos += 2;
                        }
                        _ => {
                            w.text.push('\\');
                            *pos += 1;
                        }
                    }
                }
                '$' | '`' => self.expansion(pos, w),
                c => {
                    w.text.push(c);
                    *pos += 1;
                }
            }
        }
    }

    /// `$'…'` after the `$'`: the common escapes, `\xHH` included.
    fn ansi_c(&self, pos: &mut usize, w: &mut Word) {
        while let Some(c) = self.at(*pos) {
            *pos += 1;
            match c {
                '\'' => return,
                '\\' => {
                    let Some(e) = self.at(*pos) else { return };
                    *pos += 1;
                    match e {
                        'n' => w.text.push('\n'),
                        't' => w.text.push('\t'),
                        'x' => {
                            let hex: String = (0..2)
                                .map_while(|i| self.at(*pos + i).filter(char::is_ascii_hexdigit))
                                .collect();
                            *pos += hex.len();
                            match u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                                Some(c) => w.text.push(c),
                                None => w.text.push('x'),
                            }
                        }
                        e => w.text.push(e),
                    }
                }
                c => w.text.push(c),
            }
        }
    }

    /// `$NAME`, `${…}`, `$(…)`, `$((…))` or `` `…` `` at `pos`.
    fn expansion(&self, pos: &mut usize, w: &mut Word) {
        if self.at(*pos) == Some('`') {
            *pos += 1;
            let mut inner = String::new();
            while let Some(c) = self.at(*pos) {
                *pos += 1;
                match c {
                    '`' => break,
                    '\\' if matches!(self.at(*pos), Some('`' | '\\' | '$')) => {
                        inner.push(self.chars[*pos]);
                        *pos += 1;
                    }
                    c => inner.push(c),
                }
            }
            let sub = parse(&inner);
            if sub.too_deep {
                self.too_deep.set(true);
            }
            w.subs.push(sub);
            w.text.push_str(UNKNOWN);
            return;
        }
        *pos += 1; // the `$`
        match self.at(*pos) {
            Some('(') if self.at(*pos + 1) == Some('(') => {
                *pos += 1;
                self.skip_balanced(pos);
                w.text.push_str(UNKNOWN);
            }
            Some('(') => {
                *pos += 1;
                w.subs.push(self.script(pos, true));
                w.text.push_str(UNKNOWN);
            }
            Some('{') => {
                *pos += 1;
                let mut inner = String::new();
                let mut depth = 1;
                while let Some(c) = self.at(*pos) {
                    *pos += 1;
                    match c {
                        '{' => depth += 1,
                        '}' => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        _ => {}
                    }
                    inner.push(c);
                }
                let name: String = inner
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if name == "HOME" {
                    w.text.push('~');
                } else {
                    w.text.push_str(&format!("${{{inner}}}"));
                }
            }
            Some(c) if c.is_ascii_alphabetic() || c == '_' => {
                let mut name = String::new();
                while let Some(c) = self
                    .at(*pos)
                    .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
                {
                    name.push(c);
                    *pos += 1;
                }
                if name == "HOME" {
                    w.text.push('~');
                } else {
                    w.text.push('$');
                    w.text.push_str(&name);
                }
            }
            _ => w.text.push('$'),
        }
    }
}

fn push_word(cmd: &mut Command, word: Word, redirect_next: &mut bool) {
    if std::mem::take(redirect_next) {
        cmd.redirects.push(word);
    } else {
        cmd.words.push(word);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(line: &str) -> Vec<Vec<Vec<String>>> {
        parse(line)
            .pipelines
            .iter()
            .map(|p| {
                p.iter()
                    .map(|c| c.words.iter().map(|w| w.text.clone()).collect())
                    .collect()
            })
            .collect()
    }

    #[test]
    fn words_follow_shell_quoting() {
        let table: &[(&str, &[&[&str]])] = &[
            (r#"\rm -rf ~"#, &[&["rm", "-rf", "~"]]),
            (r#"rm -rf "${HOME:?}""#, &[&["rm", "-rf", "~"]]),
            (
                r#"rm -rf "$HOME"/x '$HOME' ~user"#,
                &[&["rm", "-rf", "~/x", "$HOME", "~user"]],
            ),
            (
                r#"echo "do not sudo" 'a b' c\ d"#,
                &[&["echo", "do not sudo", "a b", "c d"]],
            ),
            (r#"r''m "-"rf $'\x72m'"#, &[&["rm", "-rf", "rm"]]),
            (
                "a;b && c || d & e\nf",
                &[&["a"], &["b"], &["c"], &["d"], &["e"], &["f"]],
            ),
            ("echo x # rm -rf ~", &[&["echo", "x"]]),
        ];
        for (line, want) in table {
            let got = texts(line);
            let want: Vec<Vec<Vec<String>>> = want
                .iter()
                .map(|c| vec![c.iter().map(|s| s.to_string()).collect()])
                .collect();
            assert_eq!(got, want, "{line}");
        }
    }

    #[test]
    fn pipes_redirects_and_substitutions() {
        let s = parse("curl x 2>/dev/null | sh -s > out.txt");
        assert_eq!(s.pipelines.len(), 1);
        let p = &s.pipelines[0];
        assert_eq!(p.len(), 2);
        assert_eq!(p[0].words.len(), 2);
        assert_eq!(p[0].redirects[0].text, "/dev/null");
        assert_eq!(p[1].redirects[0].text, "out.txt");

        let s = parse(r#"eval "$(curl -fsSL x)" `echo \`id\``"#);
        let words = &s.pipelines[0][0].words;
        assert_eq!(words[1].subs[0].pipelines[0][0].words[0].text, "curl");
        assert_eq!(words[2].subs[0].pipelines[0][0].words[0].text, "echo");
        let s = parse("source <(wget -qO- x); (cd /; rm -rf ~)");
        assert_eq!(
            s.pipelines[0][0].words[1].subs[0].pipelines[0][0].words[0].text,
            "wget"
        );
        assert_eq!(s.pipelines[1][0].subshells[0].pipelines.len(), 2);
    }
}
