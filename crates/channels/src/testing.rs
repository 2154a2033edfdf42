//! A real SMTP server on loopback for tests and benchmarks: aiosmtpd (Debian's
//! `python3-aiosmtpd`) running `tests/smtp_server.py`, each accepted message kept as a file.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// The script that runs the server.
pub fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/smtp_server.py")
}

/// A running SMTP server; stopped when dropped.
#[derive(Debug)]
pub struct SmtpServer {
    /// Its port on 127.0.0.1.
    pub port: u16,
    /// Where it keeps what it received.
    pub dir: PathBuf,
    child: Child,
}

impl SmtpServer {
    /// Starts a server keeping messages in `dir`. Panics when no Python with aiosmtpd is found:
    /// a test that needs a mail server must not pass without one.
    pub fn start(dir: &Path) -> SmtpServer {
        let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port");
        let python = ["/usr/bin/python3", "python3"]
            .into_iter()
            .find(|p| Command::new(p).args(["-c", "import aiosmtpd"]).stderr(Stdio::null()).status().is_ok_and(|s| s.success()))
            .expect("no Python with aiosmtpd: install Debian's python3-aiosmtpd (bash .ci/run does)");
        let mut child = Command::new(python)
            .arg(script())
            .arg(port.to_string())
            .arg(dir)
            .stdout(Stdio::piped())
            .spawn()
            .expect("start the SMTP server");
        let mut line = String::new();
        let stdout = child.stdout.take().expect("stdout");
        BufReader::new(stdout).read_line(&mut line).expect("SMTP server output");
        assert_eq!(line.trim(), "ready", "the SMTP server did not start");
        SmtpServer { port, dir: dir.to_path_buf(), child }
    }

    /// The URL Tegoed sends to.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Every message received so far, in order, as raw MIME text.
    pub fn received(&self) -> Vec<String> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(&self.dir)
            .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.extension().is_some_and(|x| x == "eml")).collect())
            .unwrap_or_default();
        files.sort();
        files.iter().map(|f| std::fs::read_to_string(f).expect("read a received message")).collect()
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
