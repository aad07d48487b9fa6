//! What the command-line tests share: child processes that end with the test, free ports.

use std::process::Child;

/// A child process (a server, chromedriver) killed and waited for however the test ends.
pub struct Proc(pub Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A child process that leads a process group of its own
/// (`CommandExt::process_group(0)`), the group killed however the test ends: chromedriver
/// with the Chromium it starts, which killing chromedriver alone leaves running.
pub struct Group(pub Child);

impl Drop for Group {
    fn drop(&mut self) {
        let group = format!("-{}", self.0.id());
        let _ = std::process::Command::new("kill")
            .args(["-KILL", "--", &group])
            .status();
        let _ = self.0.wait();
    }
}

/// A TCP port on 127.0.0.1 free at the moment of asking.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}
