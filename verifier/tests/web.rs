//! The verification site in a real browser: `solvency-verifier web`'s folder served on
//! 127.0.0.1 and opened in headless Chromium with `index.html?proof=…[&inclusion=…]`; the
//! verdict is read from the page's `#verdict` element once the worker has answered.
//!
//! Needs the web module (`scripts/build-web.sh`) and Chromium (`/usr/bin/chromium`, or
//! `$CHROMIUM`); `scripts/test.sh` provides both. Missing either fails the test: it is never
//! skipped.

use std::{
    env, fs,
    net::TcpListener,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    thread,
    time::{Duration, Instant},
};

use serde_json::{json, Value};

use solvency_verifier::site;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The site, with fixture files copied beside it, served on an ephemeral local port.
struct Served {
    dir: tempfile::TempDir,
    port: u16,
}

impl Served {
    fn new() -> Served {
        let module = root().join("target/wasm32-unknown-unknown/wasm/solvency_verifier_wasm.wasm");
        let module = fs::read(&module).unwrap_or_else(|e| {
            panic!(
                "{}: {e}; build the web module with scripts/build-web.sh",
                module.display()
            )
        });
        let dir = tempfile::tempdir().unwrap();
        site::write(&dir.path().join("site"), &module).unwrap();
        let server = tiny_http::Server::http("127.0.0.1:0").unwrap();
        let port = server.server_addr().to_ip().unwrap().port();
        let base = dir.path().join("site");
        thread::spawn(move || {
            for request in server.incoming_requests() {
                let path = request.url().split('?').next().unwrap_or("/").to_owned();
                let file = base.join(path.trim_start_matches('/'));
                let response = match (path.contains(".."), fs::read(&file)) {
                    (false, Ok(bytes)) => {
                        let kind = match file.extension().and_then(|e| e.to_str()) {
                            Some("html") => "text/html; charset=utf-8",
                            Some("js") => "text/javascript",
                            Some("wasm") => "application/wasm",
                            Some("json") => "application/json",
                            _ => "application/octet-stream",
                        };
                        let header = tiny_http::Header::from_bytes("Content-Type", kind).unwrap();
                        tiny_http::Response::from_data(bytes).with_header(header)
                    }
                    _ => {
                        tiny_http::Response::from_data(b"not found".to_vec()).with_status_code(404)
                    }
                };
                let _ = request.respond(response);
            }
        });
        Served { dir, port }
    }

    /// Puts `bytes` in the site as `name`.
    fn add<'a>(&self, name: &'a str, bytes: &[u8]) -> &'a str {
        fs::write(self.dir.path().join("site").join(name), bytes).unwrap();
        name
    }

    fn url(&self, query: &str) -> String {
        format!("http://127.0.0.1:{}/index.html?{query}", self.port)
    }
}

/// Headless Chromium driven through ChromeDriver (the W3C WebDriver protocol over HTTP): the
/// page verifies in a Web Worker, so the test waits for `#verdict` to be filled, as a user
/// would, rather than for the page's load event.
struct Browser {
    driver: Child,
    session: String,
    base: String,
}

impl Browser {
    fn start() -> Browser {
        let chromium = env::var("CHROMIUM").unwrap_or("/usr/bin/chromium".into());
        let chromedriver = env::var("CHROMEDRIVER").unwrap_or("/usr/bin/chromedriver".into());
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .unwrap()
            .port();
        let driver = Command::new(&chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("{chromedriver}: {e}; install chromium-driver (scripts/test.sh does)")
            });
        let base = format!("http://127.0.0.1:{port}");
        let ready = (0..100).any(|_| {
            thread::sleep(Duration::from_millis(100));
            ureq::get(&format!("{base}/status")).call().is_ok()
        });
        assert!(ready, "{chromedriver} did not start");
        let profile = env::temp_dir().join(format!("solvency-web-test-{port}"));
        let args = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--window-size=1100,900",
        ]
        .iter()
        .map(|a| a.to_string())
        .chain([format!("--user-data-dir={}", profile.display())])
        .collect::<Vec<_>>();
        let caps = json!({"capabilities": {"alwaysMatch": {
            "goog:chromeOptions": {"binary": chromium, "args": args}
        }}});
        let mut browser = Browser {
            driver,
            session: String::new(),
            base,
        };
        let created = browser.call("POST", "/session", Some(caps));
        browser.session = created["sessionId"].as_str().unwrap().to_owned();
        browser
    }

    /// One WebDriver command; its `value`.
    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let url = if path == "/session" {
            format!("{}{path}", self.base)
        } else {
            format!("{}/session/{}{path}", self.base, self.session)
        };
        let mut response = match (method, body) {
            ("POST", body) => ureq::post(&url).send_json(body.unwrap_or(json!({}))),
            _ => ureq::get(&url).call(),
        }
        .unwrap_or_else(|e| panic!("WebDriver {method} {path}: {e}"));
        let value: Value = response.body_mut().read_json().unwrap();
        value["value"].clone()
    }

    /// The WebDriver id of the element with `id`.
    fn element(&self, id: &str) -> String {
        let found = self.call(
            "POST",
            "/element",
            Some(json!({"using": "css selector", "value": format!("#{id}")})),
        );
        let element = found.as_object().unwrap().values().next().unwrap();
        element.as_str().unwrap().to_owned()
    }

    /// The text of the element with `id` as shown (nothing, for an element that is hidden).
    fn text(&self, id: &str) -> String {
        let text = self.call("GET", &format!("/element/{}/text", self.element(id)), None);
        text.as_str().unwrap().to_owned()
    }

    /// The text the element with `id` holds, shown or not (the details behind their toggle).
    fn content(&self, id: &str) -> String {
        let script = "return document.getElementById(arguments[0]).textContent";
        let value = self.call(
            "POST",
            "/execute/sync",
            Some(json!({"script": script, "args": [id]})),
        );
        value.as_str().unwrap().to_owned()
    }

    /// Waits (up to two minutes) for the element `id` to be filled.
    fn wait_for(&self, id: &str, what: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            let text = self.text(id);
            if !text.is_empty() {
                return text;
            }
            assert!(Instant::now() < deadline, "no {id} for {what}");
            thread::sleep(Duration::from_millis(50));
        }
    }

    /// Opens `url` and waits for the verdicts: `(proof verdict, details, progress, inclusion
    /// verdict)`, the progress saying how long verification took.
    fn verdict(&self, url: &str) -> Verdicts {
        self.call("POST", "/url", Some(json!({"url": url})));
        let proof = self.wait_for("verdict", url);
        Verdicts {
            proof,
            caveat: self.text("caveat"),
            details: self.content("details"),
            progress: self.text("progress"),
            inclusion: self.text("inclusion-verdict"),
            positions: self.text("inclusion-details"),
        }
    }

    /// Picks `file` in the page's picker `id`, as a visitor would.
    fn pick(&self, id: &str, file: &Path) {
        let element = self.element(id);
        let text = file.to_str().unwrap();
        self.call(
            "POST",
            &format!("/element/{element}/value"),
            Some(json!({"text": text})),
        );
    }

    /// A PNG of the page as it is.
    fn screenshot(&self) -> Vec<u8> {
        use base64::Engine;
        let png = self.call("GET", "/screenshot", None);
        base64::engine::general_purpose::STANDARD
            .decode(png.as_str().unwrap())
            .unwrap()
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let url = format!("{}/session/{}", self.base, self.session);
            let _ = ureq::delete(&url).call();
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// What the page shows once it has verified.
#[derive(Debug)]
struct Verdicts {
    /// `Proof: VALID: …` or `Proof: INVALID: …`.
    proof: String,
    /// The line beside VALID: what the proof cannot say about the reserves.
    caveat: String,
    /// The statement and proof, behind the "details" toggle.
    details: String,
    /// How long it took.
    progress: String,
    /// `Your positions: …`, or nothing without an inclusion file.
    inclusion: String,
    /// The positions counted, under the inclusion verdict.
    positions: String,
}

fn fixture(path: &str) -> Vec<u8> {
    fs::read(root().join("fixtures").join(path)).unwrap()
}

#[test]
fn the_site_verifies_proofs_and_inclusion_files_in_chromium() {
    let site = Served::new();
    let browser = Browser::start();
    let open = |query: &str| {
        let v = browser.verdict(&site.url(query));
        eprintln!("{query}: {} | {} — {}", v.proof, v.inclusion, v.progress);
        v
    };

    // The demo, with Alice's inclusion file: two verdicts, valid and included, her position
    // listed as counted, the caveat beside VALID and the internals behind the toggle.
    let proof = site.add("demo.json", &fixture("demo/proof.json"));
    let alice = site.add("alice.json", &fixture("demo/inclusion/alice.json"));
    let v = open(&format!("proof={proof}&inclusion={alice}"));
    assert!(v.proof.starts_with("Proof: VALID"), "demo: {v:?}");
    assert!(v.caveat.contains("an auditor"), "{v:?}");
    assert!(v.details.contains("protocol     demo-options"), "{v:?}");
    assert!(v.details.contains("C_R = "), "{v:?}");
    assert!(
        v.inclusion
            .starts_with("Your positions: INCLUDED: these 1 position(s) of account \"alice\""),
        "{v:?}"
    );
    assert!(
        v.positions.contains("call ETH strike 3500 USD, size 2.5"),
        "{v:?}"
    );
    let shot = Path::new(env!("CARGO_TARGET_TMPDIR")).join("web-demo.png");
    fs::write(&shot, browser.screenshot()).unwrap();
    eprintln!("screenshot of the demo's two verdicts: {}", shot.display());

    // A proof set (three shards in two proofs, and a top proof) with an account's inclusion file.
    let set = site.add("set.json", &fixture("sharded-book/proof.json"));
    let account = site.add(
        "account-0.json",
        &fixture("sharded-book/inclusion/account-0.json"),
    );
    let v = open(&format!("proof={set}&inclusion={account}"));
    assert!(v.proof.starts_with("Proof: VALID"), "proof set: {v:?}");
    assert!(v.details.contains("in 3 shards"), "{v:?}");
    assert!(v.inclusion.contains("INCLUDED"), "{v:?}");

    // The widest statement: 64 assets, ETH proven to 9 of its 18 decimals, with a holder
    // whose size was rounded up.
    let wide = site.add("wide.json", &fixture("assets-64/proof.json"));
    let bob = site.add("bob.json", &fixture("assets-64/inclusion/bob.json"));
    let v = open(&format!("proof={wide}&inclusion={bob}"));
    assert!(v.proof.starts_with("Proof: VALID"), "64 assets: {v:?}");
    assert!(v.details.contains("TK63"), "{v:?}");
    assert!(
        v.details.contains("amounts to 10^-9 of 18 decimals"),
        "{v:?}"
    );
    assert!(v.inclusion.contains("INCLUDED"), "{v:?}");
    assert!(v.positions.contains("size 40.000000001"), "{v:?}");
    assert!(v.positions.contains("rounded up"), "{v:?}");

    // The demo with one hex digit of its proof changed.
    let mut tampered: serde_json::Value =
        serde_json::from_slice(&fixture("demo/proof.json")).unwrap();
    let hex = tampered["proof"].as_str().unwrap().to_owned();
    let at = hex.len() / 2;
    let flipped = if &hex[at..=at] == "0" { "1" } else { "0" };
    tampered["proof"] = format!("{}{flipped}{}", &hex[..at], &hex[at + 1..]).into();
    let tampered = site.add("tampered.json", tampered.to_string().as_bytes());
    let v = open(&format!("proof={tampered}&inclusion={alice}"));
    assert!(
        v.proof.starts_with("Proof: INVALID") && v.proof.contains("does not verify"),
        "tampered: {v:?}"
    );
    assert!(v.inclusion.contains("not checked"), "{v:?}");

    // Epoch 8 of the demo's chain with Alice's epoch-7 inclusion file: the proof stays VALID,
    // and the inclusion file is named as another epoch's.
    let next = site.add("epoch-8.json", &fixture("chain/epoch-8.json"));
    let v = open(&format!("proof={next}&inclusion={alice}"));
    assert!(v.proof.starts_with("Proof: VALID"), "{v:?}");
    assert!(
        v.inclusion.starts_with("Your positions: not checked")
            && v.inclusion
                .contains("epoch 7, this proof is demo-options epoch 8"),
        "another epoch's inclusion file: {v:?}"
    );
    let shot = Path::new(env!("CARGO_TARGET_TMPDIR")).join("web-other-epoch.png");
    fs::write(&shot, browser.screenshot()).unwrap();
    eprintln!(
        "screenshot of a valid proof with another epoch's file: {}",
        shot.display()
    );

    // Files people end up with: an empty inclusion file, one cut off, one behind a 404, an
    // HTML page instead of the proof, a proof with a byte-order mark, a newer format.
    let empty = site.add("empty.json", b"");
    let v = open(&format!("proof={proof}&inclusion={empty}"));
    assert!(v.proof.starts_with("Proof: VALID"), "{v:?}");
    assert!(v.inclusion.contains("is empty: download it again"), "{v:?}");
    let alice_bytes = fixture("demo/inclusion/alice.json");
    let cut = site.add("cut.json", &alice_bytes[..alice_bytes.len() / 2]);
    let v = open(&format!("proof={proof}&inclusion={cut}"));
    assert!(v.proof.starts_with("Proof: VALID"), "{v:?}");
    assert!(v.inclusion.contains("cut off"), "{v:?}");
    let v = open(&format!("proof={proof}&inclusion=missing.json"));
    assert!(v.proof.starts_with("Proof: VALID"), "{v:?}");
    assert!(v.inclusion.contains("404"), "{v:?}");
    let page = site.add(
        "page.json",
        b"<!doctype html><html><body>Not Found</body></html>",
    );
    let v = open(&format!("proof={page}"));
    assert!(
        v.proof.starts_with("Proof: INVALID") && v.proof.contains("looks like a web page"),
        "{v:?}"
    );
    let bom = site.add(
        "bom.json",
        &[b"\xef\xbb\xbf".as_slice(), &fixture("demo/proof.json")].concat(),
    );
    assert!(open(&format!("proof={bom}"))
        .proof
        .starts_with("Proof: VALID"));
    let mut newer: serde_json::Value = serde_json::from_slice(&fixture("demo/proof.json")).unwrap();
    newer["format"] = "solvency-proof/9".into();
    let newer = site.add("newer.json", newer.to_string().as_bytes());
    let v = open(&format!("proof={newer}"));
    assert!(
        v.proof.contains("newer version; update the verifier"),
        "{v:?}"
    );
    let v = open(&format!("proof={alice}"));
    assert!(
        v.proof
            .contains("this is an inclusion file, not a proof file"),
        "{v:?}"
    );

    // A file picked as the inclusion file stays the inclusion file, even cut off: the proof
    // is not replaced, and the page does not blame the protocol.
    browser.verdict(&site.url(&format!("proof={proof}")));
    let local = site.dir.path().join("site").join(cut);
    browser.pick("inclusion-file", &local);
    let inclusion = browser.wait_for("inclusion-verdict", "the picked inclusion file");
    assert!(inclusion.contains("cut off"), "{inclusion}");
    assert!(browser.text("verdict").starts_with("Proof: VALID"));

    // A file on another origin is not fetched.
    let v = open("proof=http://example.com/proof.json");
    assert!(
        v.proof.starts_with("Proof: INVALID") && v.proof.contains("another origin"),
        "{v:?}"
    );
}

/// Times the page on a proof file of your own, three times (the books in `benches/` are too
/// large for the repository): `SOLVENCY_WEB_PROOF=path/proof.json cargo test -p
/// solvency-verifier --test web -- --ignored --nocapture`.
#[test]
#[ignore = "needs SOLVENCY_WEB_PROOF; a measurement, not a check"]
fn time_a_proof_in_chromium() {
    let path = env::var("SOLVENCY_WEB_PROOF").expect("SOLVENCY_WEB_PROOF names a proof file");
    let site = Served::new();
    let proof = site.add("proof.json", &fs::read(&path).unwrap());
    let browser = Browser::start();
    for _ in 0..3 {
        let v = browser.verdict(&site.url(&format!("proof={proof}")));
        assert!(v.proof.starts_with("Proof: VALID"), "{v:?}");
        eprintln!("{path}: {}", v.progress);
    }
}
