//! Turns the embedded default rulebook, `rules/default.yaml`, into JSON at
//! build time: parsing YAML costs far more than parsing JSON, and the
//! default is read on every run. User rules files are still read as YAML.
//!
//! The YAML is read with the same schema as at run time, so a file that
//! does not fit it fails the build; the rest of the validation runs on the
//! JSON at run time, and a test checks that both forms give the same
//! rulebook.

use std::path::Path;

#[allow(dead_code)]
#[path = "src/rulebook/schema.rs"]
mod schema;

fn main() {
    const RULES: &str = "rules/default.yaml";
    println!("cargo:rerun-if-changed={RULES}");
    println!("cargo:rerun-if-changed=src/rulebook/schema.rs");
    let text = match std::fs::read_to_string(RULES) {
        Ok(t) => t,
        Err(e) => fail(format!("{RULES}: cannot read: {e}")),
    };
    let file: schema::RulesFile = match serde_saphyr::from_str(&text) {
        Ok(f) => f,
        Err(e) => {
            let (line, column) = e.location().map_or((0, 0), |l| (l.line(), l.column()));
            fail(format!("{RULES}:{line}:{column}: {e}"))
        }
    };
    let json = match serde_json::to_string(&file) {
        Ok(j) => j,
        Err(e) => fail(format!("{RULES}: cannot convert to JSON: {e}")),
    };
    let Some(out) = std::env::var_os("OUT_DIR") else {
        fail("OUT_DIR is not set".to_string())
    };
    let path = Path::new(&out).join("default-rules.json");
    if let Err(e) = std::fs::write(&path, json) {
        fail(format!("cannot write {}: {e}", path.display()));
    }
}

fn fail(message: String) -> ! {
    eprintln!("error: {message}");
    std::process::exit(1)
}
